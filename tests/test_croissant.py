"""croissant.json: every version describes itself in ML Croissant 1.1 + RAI, and mlcroissant
validates it and reads the same rows as the parquet shards."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from registry import Registry
from registry.croissant import data_type, limitations
from registry.provenance import read_parquet_statement

mlc = pytest.importorskip("mlcroissant")


def croissant_records(folder: Path, split: str) -> list[dict]:
    """The records mlcroissant reads from a version folder's croissant.json (validated)."""
    dataset = mlc.Dataset(jsonld=folder / "croissant.json")  # raises on a validation error
    assert not dataset.metadata.ctx.issues.errors
    prefix = f"{split}/"
    return [
        {key.removeprefix(prefix): value for key, value in record.items()}
        for record in dataset.records(split)
    ]


def test_a_table_version_reads_back_through_mlcroissant(
    registry_root: Path, make_sampler_recipe
) -> None:
    folder = Registry(registry_root).materialize(make_sampler_recipe("txns", rows=50)).path
    doc = json.loads((folder / "croissant.json").read_text())
    assert doc["rai:hasSyntheticData"] is True
    assert "http://mlcommons.org/croissant/1.1" in doc["conformsTo"]
    assert doc["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert "sampler" in doc["prov:wasGeneratedBy"]["name"]
    assert "prov:wasDerivedFrom" not in doc  # a sampler learns from no seed
    shard = folder / "data" / "train-00000-of-00001.parquet"
    manifest = json.loads((folder / "manifest.json").read_text())
    files = {d["contentUrl"]: d for d in doc["distribution"] if d["@type"] == "cr:FileObject"}
    assert (
        "sha256:" + files["data/train-00000-of-00001.parquet"]["sha256"]
        == (manifest["files"]["data/train-00000-of-00001.parquet"])
    )
    assert "croissant.json" in manifest["files"]  # part of the content hash, like the card
    types = {f["name"]: f["dataType"] for f in doc["recordSet"][0]["field"]}
    assert types == {
        "id": "sc:Text",
        "merchant": "sc:Text",
        "amount": "sc:Float",
        "hour": "sc:Integer",
        "is_fraud": "sc:Integer",
    }

    records = croissant_records(folder, "train")
    frame = pd.read_parquet(shard)
    assert len(records) == len(frame) == 40
    assert [r["amount"] for r in records] == pytest.approx(frame["amount"].tolist())
    assert [r["merchant"].decode() for r in records] == frame["merchant"].tolist()
    assert len(croissant_records(folder, "test")) == 10


def test_an_image_version_reads_back_as_images_with_its_seed_as_provenance(
    released_digits: Path,
) -> None:
    folder = released_digits / "data" / "digits"
    doc = json.loads((folder / "croissant.json").read_text())
    (derived,) = doc["prov:wasDerivedFrom"]
    assert derived["name"] == "sklearn:digits"
    assert any("depth 0" in line or "Overall" in line for line in doc["rai:dataLimitations"])
    fields = {f["name"]: f for f in doc["recordSet"][0]["field"]}
    assert fields["image"]["dataType"] == "sc:ImageObject"

    card = (folder / "README.md").read_text()
    assert "**AI-generated data**, made by Phantom with `diffusion/ddpm` from the seed " in card
    shard = folder / "data" / "train-00000-of-00001.parquet"
    statement = read_parquet_statement(shard)
    assert statement is not None and statement["ai_generated"] is True
    assert statement["seed"]["source"] == "sklearn:digits"
    assert statement["generation_depth"] == 0

    records = croissant_records(folder, "train")
    assert len(records) == 60
    assert records[0]["image"].size == (8, 8)
    frame = pd.read_parquet(folder / "data" / "train-00000-of-00001.parquet")
    assert [r["label"] for r in records] == frame["label"].tolist()


def test_limitations_come_from_the_scores() -> None:
    quality = {
        "overall": 61.5,
        "rows": 1000,
        "scored_rows": 500,
        "areas": {
            "fidelity": {"score": 90, "verdict": "good", "summary": "shapes"},
            "privacy": {"score": 55, "verdict": "poor", "summary": "too close to train rows"},
        },
        "gates": [{"gate": "min_overall", "passed": False}],
        "worst_columns": [{"column": "bill_length_mm", "score": 0.71, "metric": "ks"}],
    }
    found = limitations(quality, generation_depth=2)
    text = "\n".join(found)
    assert "61.5/100" in text and "privacy: poor (55/100)" in text
    assert "fidelity" not in text  # a good area is no limitation
    assert "Missed quality gate min_overall" in text and "bill_length_mm (0.71)" in text
    assert "500 of the 1,000 rows" in text and "Generation depth 2" in text


def test_arrow_types_map_to_croissant_types() -> None:
    import pyarrow as pa

    assert data_type(pa.bool_()) == "sc:Boolean"
    assert data_type(pa.int8()) == "sc:Integer"
    assert data_type(pa.float32()) == "sc:Float"
    assert data_type(pa.timestamp("ns")) == "sc:DateTime"
    assert data_type(pa.date32()) == "sc:Date"
    assert data_type(pa.string()) == "sc:Text"
