"""Plain-language reasoning (English or Chinese) and the MLLM-style raw text for a features decision."""

from __future__ import annotations

from collections.abc import Callable

from selector.features.decision import NEGLIGIBLE, Decision
from selector.features.measure import Measurements

MAX_REASONS = 6
Raw = dict[str, float]
# feature -> (English, Chinese) sentence about W, the image with the HIGHER score, and L, the other one.
Template = Callable[[str, str, Raw, Raw], tuple[str, str]]


_SAME = ("The two images are the same: no preference (p=0.5).", "两张图片相同，无法区分优劣（p=0.5）。")
_NO_OCR = (
    "Text in the images was not read (OCR off), so questions 3-5 are not answered.",
    "未识别图中文字（OCR 已关闭），问题 3-5 未作答。",
)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


TEMPLATES: dict[str, Template] = {
    "sharpness": lambda w, o, rw, ro: (f"{w} is sharper than {o}", f"{w} 比 {o} 更清晰"),
    "clean": lambda w, o, rw, ro: (f"{o} is noisier than {w}", f"{o} 的噪点比 {w} 多"),
    "exposure": lambda w, o, rw, ro: (
        f"{w} is better exposed (mean brightness {_pct(rw['mean_luma'])} vs {o}'s {_pct(ro['mean_luma'])})",
        f"{w} 曝光更好（平均亮度 {_pct(rw['mean_luma'])}，{o} 为 {_pct(ro['mean_luma'])}）",
    ),
    "contrast": lambda w, o, rw, ro: (f"{w} has more tonal contrast", f"{w} 的明暗对比更好"),
    "resolution": lambda w, o, rw, ro: (
        f"{w} has more pixels ({rw['min_side']:.0f} vs {ro['min_side']:.0f} px on the short side)",
        f"{w} 分辨率更高（短边 {rw['min_side']:.0f} 像素，{o} 为 {ro['min_side']:.0f} 像素）",
    ),
    "compression": lambda w, o, rw, ro: (f"{o} shows more compression blocking", f"{o} 的压缩块状痕迹更明显"),
    "has_text": lambda w, o, rw, ro: (f"{w} has text in the image, {o} none", f"{w} 图中有文字，{o} 没有"),
    "text_balance": lambda w, o, rw, ro: (
        f"{o}'s text covers {_pct(ro.get('text_share', 0.0))} of the frame and crowds the product",
        f"{o} 的文字占画面 {_pct(ro.get('text_share', 0.0))}，挤占了商品",
    ),
    "legibility": lambda w, o, rw, ro: (f"{w}'s text reads more clearly", f"{w} 的文字更易辨认"),
    "no_border": lambda w, o, rw, ro: (f"{o} has a decorative border, {w} none", f"{o} 有装饰边框，{w} 没有"),
    "no_pip": lambda w, o, rw, ro: (f"{o} uses picture-in-picture, {w} does not", f"{o} 使用了画中画，{w} 没有"),
    "subject_found": lambda w, o, rw, ro: (
        f"{w} has a product that stands out, {o} no clear subject",
        f"{w} 有突出的商品主体，{o} 没有明确主体",
    ),
    "subject_size": lambda w, o, rw, ro: (
        f"{w} shows the product larger ({_pct(rw['subject_share'])} vs {_pct(ro['subject_share'])} of the frame)",
        f"{w} 的商品更大（占画面 {_pct(rw['subject_share'])}，{o} 为 {_pct(ro['subject_share'])}）",
    ),
    "subject_whole": lambda w, o, rw, ro: (
        f"{w} shows the product uncut, {o}'s is cut by the border",
        f"{w} 的商品完整，{o} 的商品被画面边缘截断",
    ),
    "subject_centred": lambda w, o, rw, ro: (f"{w} places the product more centrally", f"{w} 的商品位置更居中"),
    "tidy": lambda w, o, rw, ro: (f"{o}'s background is more cluttered", f"{o} 的背景更杂乱"),
    "colourfulness": lambda w, o, rw, ro: (f"{w}'s background is more colourful", f"{w} 的背景色彩更丰富"),
    "stand_out": lambda w, o, rw, ro: (
        f"{w}'s product stands out more from its background",
        f"{w} 的商品与背景区分更明显",
    ),
}


def _text_sentence(name: str, d: Decision) -> tuple[str, str] | None:
    """Sentences about the brief, led by the image that matches more."""
    ta, tb = d.text
    if ta is None or tb is None:
        return None
    if name == "cta":
        winner, loser, found = ("A", "B", ta) if ta.calls_to_action else ("B", "A", tb)
        quoted = ", ".join(f'"{c}"' for c in found.calls_to_action[:2])
        return (
            f"{winner} has a call to action ({quoted}), {loser} none",
            f"{winner} 有行动号召（{quoted}），{loser} 没有",
        )
    if name == "query_hits" and ta.queries_total:
        counts, n = (len(ta.queries_hit), len(tb.queries_hit)), ta.queries_total
        en, zh = (
            "{w}'s text matches {hw} of {n} queries, {o}'s {ho}",
            "{w} 的文字命中 {n} 个搜索词中的 {hw} 个，{o} 命中 {hz} 个",
        )
    elif name == "title_hits" and ta.title_words_total:
        counts, n = (ta.title_words_hit, tb.title_words_hit), ta.title_words_total
        en, zh = (
            "{w}'s text contains {hw} of {n} title words, {o}'s {ho}",
            "{w} 的文字包含标题 {n} 个词中的 {hw} 个，{o} 包含 {hz} 个",
        )
    else:
        return None
    hi = 0 if counts[0] >= counts[1] else 1
    w, o = ("A", "B") if hi == 0 else ("B", "A")
    hw, hz = counts[hi], counts[1 - hi]
    ho = "none" if hz == 0 else str(hz)
    return en.format(w=w, o=o, n=n, hw=hw, ho=ho), zh.format(w=w, o=o, n=n, hw=hw, hz=hz)


def _sentence(name: str, d: Decision, raw: tuple[Raw, Raw]) -> tuple[str, str] | None:
    sa, sb = d.scores[0].get(name), d.scores[1].get(name)
    if sa is None or sb is None or sa == sb:
        return None
    if name in ("query_hits", "title_hits", "cta"):
        return _text_sentence(name, d)
    hi = 0 if sa > sb else 1
    w, o = ("A", "B") if hi == 0 else ("B", "A")
    return TEMPLATES[name](w, o, raw[hi], raw[1 - hi])


def reasoning(d: Decision, a: Measurements, b: Measurements, language: str, ocr: bool) -> str:
    zh = language == "zh"
    winner = d.answer
    if zh:
        head = f"CPU 特征测量比较器（测量结果，非多模态大模型）：{winner} 更可能被点击，p(A)={d.p_first:.2f}。"
    else:
        head = (
            "CPU features comparator (a measurement, not an MLLM): "
            f"{winner} is more likely to be clicked, p(A)={d.p_first:.2f}."
        )
    lines = [head]
    if d.identical:
        lines.append(_SAME[1] if zh else _SAME[0])
    elif d.near_duplicate:
        lines.append(
            f"两张图片几乎相同（感知哈希相差 {d.hash_distance}/64 位），测得的差异可忽略，无法判断（p=0.5）。"
            if zh
            else f"The two images are near-duplicates (perceptual hashes {d.hash_distance}/64 bits apart) and no "
            "measured difference matters: no judgement possible (p=0.5)."
        )
    else:
        ranked = sorted(d.contributions.items(), key=lambda kv: -abs(kv[1]))
        said = 0
        for name, contribution in ranked:
            if abs(contribution) < NEGLIGIBLE or said >= MAX_REASONS:
                break
            sentence = _sentence(name, d, (a.raw, b.raw))
            if sentence is None:
                continue
            text = sentence[1] if zh else sentence[0]
            if (contribution > 0) != ((d.scores[0][name] or 0) > (d.scores[1][name] or 0)):
                text += "（当前权重视其为劣势）" if zh else " (which these weights count against it)"
            lines.append(text + ("。" if zh else "."))
            said += 1
        if said == 0:
            lines.append("测得的差异都很小。" if zh else "The measured differences are all small.")
    if not ocr:
        lines.append(_NO_OCR[1] if zh else _NO_OCR[0])
    for tag, m in (("A", a), ("B", b)):
        for problem in m.problems:
            lines.append(f"{tag} 无法测量：{problem}" if zh else f"Could not measure {tag}: {problem}")
    return "\n".join(lines)


def raw_text(reasoning_text: str, protocol: dict[int, str]) -> str:
    """The same `<think>...</think><answer>X</answer>` shape the MLLM writes, with the protocol answers as
    "Qn: answer" lines, the format the prompt asks of the MLLM (selector.prompt), so one parser reads both."""
    answers = "\n".join(f"Q{n}: {protocol[n]}" for n in sorted(protocol))
    return f"<think>{reasoning_text}\n{answers}</think><answer>{protocol[10]}</answer>"
