"""parse_output: well-formed, missing tags, extra text, protocol present or absent, Chinese, never raises."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selector.parsing import parse_output, read_protocol_answer

FULL_EN = (
    "<think>Q1: NO\nQ2: NO\nQ3: A>B\nQ4: A=B\nQ5: A<B\nQ6: A > B\nQ7: B>A\nQ8: A=B\nQ9: A>B\nQ10: A\n"
    "Image A puts the earbuds front and centre and writes the query words.</think><answer>A</answer>"
)


def test_well_formed_output_is_read_completely() -> None:
    parsed = parse_output(FULL_EN)
    assert parsed.answer == "A"
    assert parsed.well_formed
    assert parsed.problems == ()
    assert parsed.protocol == {
        1: "NO",
        2: "NO",
        3: "A>B",
        4: "A=B",
        5: "A<B",
        6: "A>B",
        7: "A<B",  # "B>A" is the same statement as A<B
        8: "A=B",
        9: "A>B",
        10: "A",
    }
    assert parsed.reasoning.startswith("Q1: NO")
    assert parsed.reasoning.endswith("query words.")


def test_chinese_output_with_full_width_characters() -> None:
    text = (
        "<think>问题1：否\n问题2：不是\nQ3：Ａ＞Ｂ\n第4题：A不如B\nQ5: A优于B\nQ6：相当\nQ7: A=B\nQ8: B优于A\n"
        "Q9：Ａ＝Ｂ\nQ10：图片B\n图片B的主体更完整。</think><answer>Ｂ</answer>"
    )
    parsed = parse_output(text)
    assert parsed.answer == "B"
    assert parsed.protocol == {
        1: "NO",
        2: "NO",
        3: "A>B",
        4: "A<B",
        5: "A>B",
        6: "A=B",
        7: "A=B",
        8: "A<B",
        9: "A=B",
        10: "B",
    }
    assert parsed.problems == ()
    assert not parsed.well_formed  # full-width "Ｂ" is readable but not the exact format
    assert "主体更完整" in parsed.reasoning


@pytest.mark.parametrize(
    ("text", "answer", "problem"),
    [
        ("<think>A is brighter.</think><answer>A", "A", "missing </answer>"),
        ("A is brighter.</think><answer>B</answer>", "B", "missing <think>"),
        ("<think>A is brighter.<answer>A</answer>", "A", "missing </think>"),
        ("A is brighter. <answer>B</answer>", "B", "missing <think></think>"),
        ("<think>A is brighter.</think> Final answer: B", "B", "missing <answer>"),
        ("<think>A is brighter.</think>", None, "missing <answer>"),
        ("<think>A is brighter.</think><answer>maybe</answer>", None, "unreadable answer: 'maybe'"),
    ],
)
def test_missing_tags_are_named_and_the_rest_still_read(text: str, answer: str | None, problem: str) -> None:
    parsed = parse_output(text)
    assert parsed.answer == answer
    assert problem in parsed.problems
    assert parsed.reasoning == "A is brighter."
    assert not parsed.well_formed


@pytest.mark.parametrize(
    ("inside", "answer"),
    [(" A ", "A"), ("Image B", "B"), ("**A**", "A"), ("图片A", "A"), ("B.", "B"), ("Ａ", "A"), ("(B)", "B")],
)
def test_answer_variants(inside: str, answer: str) -> None:
    parsed = parse_output(f"<think>reason</think><answer>{inside}</answer>")
    assert parsed.answer == answer
    assert [p for p in parsed.problems if not p.startswith("protocol")] == []


def test_extra_text_around_the_format_is_tolerated_but_reported() -> None:
    parsed = parse_output("Sure, here you go!\n" + FULL_EN + "\nHope this helps.")
    assert parsed.answer == "A"
    assert len(parsed.protocol) == 10
    assert "text before <think>" in parsed.problems
    assert "text after </answer>" in parsed.problems
    assert not parsed.well_formed


def test_extra_words_inside_answer() -> None:
    parsed = parse_output("<think>x</think><answer>The answer is B because it is brighter.</answer>")
    assert parsed.answer == "B"
    assert any(p.startswith("answer has extra text") for p in parsed.problems)


def test_conflicting_or_ambiguous_answers_give_no_answer() -> None:
    both = parse_output("<think>x</think><answer>A</answer><answer>B</answer>")
    assert both.answer is None
    assert "conflicting answers" in both.problems
    either = parse_output("<think>x</think><answer>A or B</answer>")
    assert either.answer is None
    assert any(p.startswith("ambiguous answer") for p in either.problems)


def test_protocol_absent_is_a_problem_not_a_failure() -> None:
    parsed = parse_output("<think>A shows the product larger.</think><answer>A</answer>")
    assert parsed.answer == "A"
    assert parsed.protocol == {}
    assert "protocol: no answers found" in parsed.problems
    assert parsed.well_formed  # the tag format itself is right


def test_partial_protocol_names_the_missing_questions() -> None:
    parsed = parse_output("<think>Q1: NO\nQ3: A<B\nQ10: B</think><answer>B</answer>")
    assert parsed.protocol == {1: "NO", 3: "A<B", 10: "B"}
    assert "protocol: missing Q2, Q4, Q5, Q6, Q7, Q8, Q9" in parsed.problems


def test_echoed_answer_menus_are_not_read_as_answers() -> None:
    text = "<think>Q3: hit rate on the queries [A>B/A=B/A<B]: A=B\nQ4: title [A>B/A=B/A<B]\n</think><answer>A</answer>"
    parsed = parse_output(text)
    assert parsed.protocol.get(3) == "A=B"
    assert 4 not in parsed.protocol
    assert any(p.startswith("Q4: unreadable answer") for p in parsed.problems)


def test_q10_disagreeing_with_answer_is_reported() -> None:
    parsed = parse_output("<think>Q10: B</think><answer>A</answer>")
    assert parsed.answer == "A"
    assert "Q10 says B but <answer> says A" in parsed.problems


def test_numbered_lines_without_q_prefix() -> None:
    parsed = parse_output("<think>1. Same images? NO\n3) A > B\n2. Some unrelated note</think><answer>A</answer>")
    assert parsed.protocol == {1: "NO", 3: "A>B"}


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("compare", "A is better than B", "A>B"),
        ("compare", "B beats A", "A<B"),
        ("compare", "a<b", "A<B"),
        ("compare", "tie", "A=B"),
        ("compare", "A", "A>B"),
        ("compare", "nothing here", None),
        ("yesno", "yes", "YES"),
        ("yesno", "是", "YES"),
        ("yesno", "不相同", "NO"),
        ("yesno", "perhaps", None),
        ("choice", "Image B", "B"),
        ("choice", "A图", "A"),
        ("choice", "no idea", None),
    ],
)
def test_protocol_answer_forms(kind: str, text: str, expected: str | None) -> None:
    assert read_protocol_answer(kind, text) == expected  # type: ignore[arg-type]


def test_garbage_yields_problems_not_exceptions() -> None:
    parsed = parse_output("\x00\ufffd<think<answer>>>]]Q99: ???")
    assert parsed.answer is None
    assert parsed.problems


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/thinkanswerQAB:=10 \n是否Ａ")), max_size=80))
def test_parse_output_never_raises(text: str) -> None:
    parsed = parse_output(text)
    assert parsed.answer in (None, "A", "B")
    assert all(1 <= q <= 10 for q in parsed.protocol)


def test_parsing_module_does_not_import_torch() -> None:
    import subprocess

    code = "import selector.parsing, selector.prompt, selector.mllm.config, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
