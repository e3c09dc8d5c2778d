"""`creative4u import-outcomes`: a clean CSV lands; a file with bad rows prints every problem and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from loop_world import PASSWORD, World, both_orders
from sqlalchemy import func, select

from app.cli import main
from app.models import Outcome


def test_import_outcomes_from_the_cli(runtime: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.services.users import create_user

    with runtime.db.transaction() as s:
        admin = create_user(s, "admin@example.com", PASSWORD, role="admin")
        world = World(db=runtime.db, storage=runtime.storage, admin_id=admin.id, advertiser_id=admin.id)
        batch_id, ids = world.make_batch(s, "Steel bottle", verdicts=both_orders([(0, 1), (0, 2), (1, 2)]))

    bad = tmp_path / "bad.csv"
    bad.write_text(f"creative_id,impressions,clicks\n{ids[0]},5000,300\n{ids[1]},10,50\nnope,1,1\n")
    assert main(["import-outcomes", str(batch_id), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "row 3" in err and "row 4" in err and "row 2," not in err
    with runtime.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 0

    good = tmp_path / "good.csv"
    rows = "".join(f"{i},5000,{c}\n" for i, c in zip(ids, (300, 120, 40), strict=True))
    good.write_text("creative_id,impressions,clicks\n" + rows)
    assert main(["import-outcomes", str(batch_id), str(good)]) == 0
    assert f"batch {batch_id}: 3 outcome(s) added, 0 replaced; 3 CTR-labelled pair(s)" in capsys.readouterr().out
    with runtime.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Outcome)) == 3
