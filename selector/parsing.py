"""Parse a comparator's text: `<think>` reasoning, protocol answers and the `<answer>` (pure; no torch).

Strict where the text follows the format, lenient where a reasonable reader would still understand it
(full-width characters, "Image A", "A > B", Chinese "是/否", "A优于B"). Nothing here raises: whatever
cannot be read is named in `problems`. The training rewards import `parse_output`, so it stays pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from selector.protocol import QUESTIONS, QuestionKind
from selector.types import Answer

_I = re.IGNORECASE
_THINK_OPEN = re.compile(r"<\s*think\s*>", _I)
_THINK_CLOSE = re.compile(r"<\s*/\s*think\s*>", _I)
_ANSWER_OPEN = re.compile(r"<\s*answer\s*>", _I)
_ANSWER_CLOSE = re.compile(r"<\s*/\s*answer\s*>", _I)
_ANY_TAG = re.compile(r"<\s*/?\s*(?:think|answer)\s*>", _I)
# The exact format the prompt asks for; rewards use `well_formed` for their format term.
_WELL_FORMED = re.compile(r"\s*<think>(?:(?!</?think>|</?answer>).)+</think>\s*<answer>\s*[AB]\s*</answer>\s*", re.S)

# "Q3: ...", "**Q3**: ...", "问题3：...", "第3题：..."; the answer is looked for in the rest of the line.
_Q_LINE = re.compile(r"^[\s*#>\-•]*(?:Q|Question|问题|第)\s*(\d{1,2})(?!\d)\s*(?:题)?\**(.*)$", _I)
# "3. ..." / "3) ..." numbered lines: only used when their answer can be read.
_NUM_LINE = re.compile(r"^[\s*#>\-•]*(\d{1,2})[.)、:]\s+(.*)$")
# Echoed answer menus ("[A>B/A=B/A<B]") must not be read as answers.
_MENU = re.compile(r"[\[(（]?\s*(?:YES\s*/\s*NO|A\s*>\s*B\s*/\s*A\s*=\s*B\s*/\s*A\s*<\s*B|A\s*/\s*B)\s*[\])）]?", _I)

_CMP_SYMBOL = re.compile(r"(?<![A-Za-z])([AaBb])\s*([<>=≈])\s*([AaBb])(?![A-Za-z])")
_CMP_WORDS = re.compile(
    r"(?<![A-Za-z])(?P<x>[AB])(?:\s*图)?\s*(?:is\s+)?"
    r"(?:(?P<gt>better\s+than|beats|outperforms|优于|好于|胜于|强于|胜过)|(?P<lt>worse\s+than|劣于|不如|差于|弱于))"
    r"\s*(?:image\s*|图片?)?(?P<y>[AB])(?![A-Za-z])",
    _I,
)
_TIE = re.compile(r"\b(?:equal|tie|same|similar|neither|even)\b|相同|相当|持平|一样|差不多|平手|相近", _I)
_LETTER = re.compile(r"(?<![A-Za-z])(?:(?i:image|picture)\s*|图片?\s*)?([AB])(?:\s*图)?(?![A-Za-z])")
_ONLY_LETTER = re.compile(r"^\W*(?:(?i:image|picture)\s*|图片?\s*)?([AB])(?:\s*图)?\W*$")
_YESNO = re.compile(r"(?P<no>\bno\b|\bfalse\b|不是|不相同|不同|否)|(?P<yes>\byes\b|\btrue\b|是|相同)", _I)
_ANSWER_IN_TEXT = re.compile(
    r"(?i:final\s+answer|answer|final\s+choice|答案|最终选择)\s*(?i:is|:|是|为)?\s*"
    r"(?:(?i:image|picture)\s*|图片?\s*)?([AB])(?![A-Za-z])",
)


@dataclass(frozen=True)
class ParsedOutput:
    """What could be read from one output; `problems` names what could not."""

    answer: Answer | None
    reasoning: str
    protocol: dict[int, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    well_formed: bool = False  # exactly <think>...</think><answer>A|B</answer>, nothing else


def normalize(text: str) -> str:
    """Full-width letters, digits, colons and comparison signs become ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def _compare(rest: str) -> tuple[str | None, bool]:
    """(canonical A>B / A=B / A<B, strict?) from the text after "Qn:", the last statement winning."""
    found: list[tuple[int, str]] = []
    for m in _CMP_SYMBOL.finditer(rest):
        x, op, y = m.group(1).upper(), m.group(2), m.group(3).upper()
        if x == y:
            continue
        op = "=" if op == "≈" else op
        if x == "B":  # "B>A" means A<B
            op = {">": "<", "<": ">", "=": "="}[op]
        found.append((m.start(), f"A{op}B"))
    for m in _CMP_WORDS.finditer(rest):
        x, y = m.group("x").upper(), m.group("y").upper()
        if x != y:
            a_wins = (m.group("gt") is not None) == (x == "A")
            found.append((m.start(), "A>B" if a_wins else "A<B"))
    if found:
        return max(found)[1], True
    if _TIE.search(rest):
        return "A=B", False
    only = _ONLY_LETTER.match(rest)
    if only:  # "Q3: A" read as A wins that aspect
        return ("A>B" if only.group(1) == "A" else "A<B"), False
    return None, False


def _yesno(rest: str) -> str | None:
    last = None
    for m in _YESNO.finditer(rest):
        last = "NO" if m.group("no") else "YES"
    return last


def _choice(rest: str) -> str | None:
    letters = [m.group(1) for m in _LETTER.finditer(rest)]
    return letters[-1] if letters else None


def read_protocol_answer(kind: QuestionKind, rest: str) -> str | None:
    """The canonical answer to one question of `kind` in `rest`, or None."""
    rest = _MENU.sub(" ", normalize(rest))
    if kind == "compare":
        return _compare(rest)[0]
    if kind == "yesno":
        return _yesno(rest)
    return _choice(rest)


def _parse_protocol(text: str, problems: list[str]) -> dict[int, str]:
    answers: dict[int, str] = {}
    for line in text.splitlines():
        m = _Q_LINE.match(line)
        numbered = m is None
        m = m or _NUM_LINE.match(line)
        if m is None:
            continue
        number = int(m.group(1))
        question = QUESTIONS.get(number)
        if question is None:
            continue
        rest = m.group(2).strip().lstrip(":.)]、-* ")
        value = read_protocol_answer(question.kind, rest)
        if value is None:
            if not numbered and number not in answers:
                problems.append(f"Q{number}: unreadable answer {rest[:40]!r}")
            continue
        if number in answers:
            if answers[number] != value and not numbered:
                problems.append(f"Q{number}: conflicting answers {answers[number]} and {value}")
            continue
        answers[number] = value
    if not answers:
        problems.append("protocol: no answers found")
    else:
        missing = [n for n in QUESTIONS if n not in answers]
        if missing:
            problems.append("protocol: missing " + ", ".join(f"Q{n}" for n in missing))
    return answers


def _read_answer(content: str) -> tuple[Answer | None, str | None]:
    """(answer, problem) from the inside of <answer></answer>."""
    cleaned = content.strip().strip("*`'\"“”‘’.。!！ \t\n")
    only = _ONLY_LETTER.match(cleaned)
    if only:
        return only.group(1), None  # type: ignore[return-value]
    letters = {m.group(1) for m in _LETTER.finditer(cleaned)}
    if len(letters) == 1:
        return letters.pop(), f"answer has extra text: {content.strip()[:40]!r}"  # type: ignore[return-value]
    if not letters:
        return None, f"unreadable answer: {content.strip()[:40]!r}"
    return None, f"ambiguous answer: {content.strip()[:40]!r}"


def _reasoning(text: str, problems: list[str]) -> tuple[str, int]:
    """(reasoning, offset where the answer part starts)."""
    opened, closed = _THINK_OPEN.search(text), _THINK_CLOSE.search(text)
    answer_at = _ANSWER_OPEN.search(text)
    if opened and closed and closed.start() >= opened.end():
        if text[: opened.start()].strip():
            problems.append("text before <think>")
        return text[opened.end() : closed.start()], closed.end()
    if closed:
        problems.append("missing <think>")
        return text[: closed.start()], closed.end()
    if opened:
        problems.append("missing </think>")
        end = answer_at.start() if answer_at and answer_at.start() > opened.end() else len(text)
        return text[opened.end() : end], end
    problems.append("missing <think></think>")
    end = answer_at.start() if answer_at else len(text)
    return text[:end], end


def _answer(tail: str, problems: list[str]) -> Answer | None:
    opens = list(_ANSWER_OPEN.finditer(tail))
    if not opens:
        problems.append("missing <answer>")
        found = {m.group(1) for m in _ANSWER_IN_TEXT.finditer(tail)}
        if len(found) == 1:
            problems.append("answer read from plain text")
            return found.pop()  # type: ignore[return-value]
        return None
    answers: list[Answer | None] = []
    for i, m in enumerate(opens):
        end = opens[i + 1].start() if i + 1 < len(opens) else len(tail)
        close = _ANSWER_CLOSE.search(tail, m.end(), end)
        if close is None:
            problems.append("missing </answer>")
            nxt = _ANY_TAG.search(tail, m.end(), end)
            content = tail[m.end() : nxt.start() if nxt else end]
        else:
            content = tail[m.end() : close.start()]
            if i + 1 == len(opens) and tail[close.end() :].strip():
                problems.append("text after </answer>")
        answer, problem = _read_answer(content)
        if problem:
            problems.append(problem)
        answers.append(answer)
    distinct = {a for a in answers if a is not None}
    if len(opens) > 1:
        problems.append("more than one <answer>")
    if len(distinct) > 1:
        problems.append("conflicting answers")
        return None
    return distinct.pop() if distinct else None


def parse_output(text: str) -> ParsedOutput:
    """Read `<think>` reasoning, the protocol answers ("Qn: ...") and the `<answer>` from `text`."""
    problems: list[str] = []
    norm = normalize(text)
    reasoning, answer_from = _reasoning(norm, problems)
    answer = _answer(norm[answer_from:], problems)
    # Protocol lines belong in the reasoning, but a sloppy model may put them anywhere outside <answer>.
    outside_answer = re.sub(r"<\s*answer\s*>.*?(?:<\s*/\s*answer\s*>|$)", "\n", norm, flags=re.S | _I)
    protocol = _parse_protocol(_ANY_TAG.sub("\n", outside_answer), problems)
    if answer and protocol.get(10) and protocol[10] != answer:
        problems.append(f"Q10 says {protocol[10]} but <answer> says {answer}")
    reasoning = reasoning.strip()
    if not reasoning:
        problems.append("empty reasoning")
    return ParsedOutput(
        answer=answer,
        reasoning=reasoning,
        protocol=dict(sorted(protocol.items())),
        problems=tuple(problems),
        well_formed=bool(_WELL_FORMED.fullmatch(text)),
    )
