"""``croissant.json``: a version described in ML Croissant 1.1 with the Responsible AI extension.

Hugging Face's own Croissant export leaves out the RAI fields that reviewers (NeurIPS'
datasets track) ask for; every Phantom version writes its own, beside the card:

- ``rai:hasSyntheticData: true``, with the generator and the seed as provenance in the W3C
  PROV terms Croissant allows (``prov:wasDerivedFrom`` the seed, ``prov:wasGeneratedBy`` the
  generation activity) and the generation depth;
- ``rai:dataLimitations`` written from the version's scores (areas below "good", missed or
  near gates, the worst columns, the absence of a formal privacy guarantee, depth > 0);
- ``distribution``: every parquet shard as a ``cr:FileObject`` with its sha256, and one
  ``cr:FileSet`` per split that the record sets read;
- ``recordSet``: one per split, a ``cr:Field`` per column typed from the Arrow schema (an
  image column is an ``sc:ImageObject`` read from the ``bytes`` of the Hugging Face struct).

The document is plain JSON-LD written without ``mlcroissant`` (an optional extra); the tests
check that ``mlcroissant`` validates it and reads its records. It is pure (no dates, no
paths outside the version), so it is part of the content hash like the card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.images import IMAGE_COLUMN, class_names_of_schema
from registry.provenance import statement

if TYPE_CHECKING:
    from registry.recipes import Recipe
    from registry.seeds import SeedData

CROISSANT = "croissant.json"
PARQUET = "application/x-parquet"
CONFORMS_TO = ["http://mlcommons.org/croissant/1.1", "http://mlcommons.org/croissant/RAI/1.0"]

# The standard Croissant @context (as mlcroissant writes it), plus the RAI and PROV prefixes.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "prov": "http://www.w3.org/ns/prov#",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# Hub license ids -> the URL schema.org's ``license`` expects (others are kept as text).
_LICENSES = {
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "mit": "https://opensource.org/licenses/MIT",
    "apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "odc-by": "https://opendatacommons.org/licenses/by/1-0/",
    "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
}


def data_type(arrow_type: Any) -> str:
    """The Croissant ``dataType`` of an Arrow column type."""
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return "sc:Boolean"
    if pa.types.is_integer(arrow_type):
        return "sc:Integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "sc:Float"
    if pa.types.is_timestamp(arrow_type):
        return "sc:DateTime"
    if pa.types.is_date(arrow_type):
        return "sc:Date"
    return "sc:Text"


def croissant_document(
    recipe: Recipe,
    *,
    seed: SeedData | None,
    splits: dict[str, dict[str, Any]],
    schema: Any,
    hashes: dict[str, str],
    quality: dict[str, Any],
) -> dict[str, Any]:
    """The Croissant JSON-LD of one version.

    ``splits`` maps each split to its ``files`` (shard names under ``data/``); ``hashes``
    maps ``data/<shard>`` to ``sha256:<hex>``; ``quality`` is the version's quality.json.
    """
    facts = statement(recipe, seed)
    distribution: list[dict[str, Any]] = []
    for info in splits.values():
        for file in info["files"]:
            relpath = f"data/{file}"
            distribution.append(
                {
                    "@type": "cr:FileObject",
                    "@id": relpath,
                    "name": file,
                    "contentUrl": relpath,
                    "encodingFormat": PARQUET,
                    "sha256": hashes[relpath].removeprefix("sha256:"),
                }
            )
    for split in splits:
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": f"{split}-parquet",
                "name": f"{split}-parquet",
                "description": f"The parquet shards of the {split} split.",
                "encodingFormat": PARQUET,
                "includes": f"data/{split}-?????-of-?????.parquet",
            }
        )
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": recipe.name,
        "description": recipe.description or f"Synthetic data set {recipe.spec}.",
        "version": recipe.version,
        "license": _LICENSES.get(recipe.license, recipe.license),
        "keywords": ["synthetic", "ai-generated", "phantom", *recipe.card.tags],
        "citeAs": (
            f"@misc{{{recipe.name.replace('-', '_')}_{recipe.version.replace('.', '_')}, "
            f"title={{{recipe.spec}: AI-generated data made with Phantom}}}}"
        ),
        "rai:hasSyntheticData": True,
        "rai:dataCollection": _collection(facts, seed),
        "rai:dataCollectionType": ["Synthetic data"],
        "rai:dataLimitations": limitations(quality, generation_depth=facts["generation_depth"]),
        "rai:personalSensitiveInformation": _privacy(quality),
        "prov:wasGeneratedBy": {
            "@type": "prov:Activity",
            "name": f"generation by {facts['generator']}",
            "description": (
                f"Generator {facts['generator']} with random seed {facts['random_seed']}; "
                f"generation depth {facts['generation_depth']} (0: learned from real data or "
                "none; n+1: learned from data of depth n)."
            ),
            "prov:wasAssociatedWith": {"@type": "prov:SoftwareAgent", "name": "Phantom"},
        },
        "distribution": distribution,
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": split,
                "name": split,
                "description": f"The {info['rows']:,} rows of the {split} split.",
                "field": _fields(split, schema),
            }
            for split, info in splits.items()
        ],
    }
    if seed is not None:
        document["prov:wasDerivedFrom"] = [
            {
                "@type": "prov:Entity",
                "name": seed.source,
                "description": (
                    f"{seed.origin}; sha256 {seed.sha256.removeprefix('sha256:')}; "
                    f"{len(seed.train):,} rows learned from, {len(seed.holdout):,} held out"
                ),
            }
        ]
    return document


def _fields(split: str, schema: Any) -> list[dict[str, Any]]:
    names = class_names_of_schema(schema)
    fields = []
    for column in schema:
        source: dict[str, Any] = {
            "fileSet": {"@id": f"{split}-parquet"},
            "extract": {"column": column.name},
        }
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{split}/{column.name}",
            "name": column.name,
            "dataType": data_type(column.type),
            "source": source,
        }
        if names is not None and column.name == IMAGE_COLUMN:
            field["dataType"] = "sc:ImageObject"
            source["transform"] = {"jsonPath": "bytes"}
        elif names is not None:
            field["description"] = "Class index into: " + ", ".join(names)
        fields.append(field)
    return fields


def _collection(facts: dict[str, Any], seed: SeedData | None) -> str:
    source = "no seed: every column sampled from its declared distribution"
    if seed is not None:
        source = f"the seed {seed.source} ({seed.origin})"
    return (
        f"No data was collected: every record was generated by {facts['generator']} "
        f"(random seed {facts['random_seed']}) from {source}."
    )


def limitations(quality: dict[str, Any], *, generation_depth: int) -> list[str]:
    """Known limitations, in words, from a version's quality report (pure)."""
    found = []
    overall = quality.get("overall")
    if overall is not None:
        found.append(f"Overall quality score {overall:.1f}/100 against the real data.")
    for name, area in (quality.get("areas") or {}).items():
        if area.get("verdict") != "good":
            found.append(
                f"{name}: {area.get('verdict')} ({area.get('score', 0):.0f}/100): "
                f"{area.get('summary', '')}"
            )
    for gate in quality.get("gates") or []:
        if not gate.get("passed"):
            found.append(f"Missed quality gate {gate.get('gate')}.")
    worst = quality.get("worst_columns") or []
    if worst:
        shown = ", ".join(f"{c['column']} ({c['score']:.2f})" for c in worst[:5])
        found.append(f"Columns least like the real data: {shown}.")
    scored, rows = quality.get("scored_rows"), quality.get("rows")
    if scored and rows and scored < rows:
        found.append(f"Scores were computed on {scored:,} of the {rows:,} rows.")
    if generation_depth > 0:
        found.append(
            f"Generation depth {generation_depth}: learned from synthetic data; models trained "
            "on repeatedly re-synthesized data degrade (model collapse)."
        )
    found.append(
        "Synthetic records reproduce patterns of the seed only as far as the scores show; "
        "do not use them to draw conclusions about real individuals."
    )
    return found


def _privacy(quality: dict[str, Any]) -> str:
    privacy = quality.get("privacy") or {}
    guarantee = quality.get("differential_privacy")
    if guarantee:
        formal = (
            f"trained with differential privacy (epsilon {guarantee['epsilon']:g}, "
            f"delta {guarantee['delta']:g})"
        )
    else:
        formal = "no formal privacy guarantee (no differential privacy)"
    copies = privacy.get("exact_copies")
    measured = "" if copies is None else f"; {copies} exact copies of seed rows were found"
    return f"Records are generated, not collected: {formal}{measured}."


def write_croissant(folder: Path, recipe: Recipe, **facts: Any) -> Path:
    """Write ``folder/croissant.json`` (:func:`croissant_document` with ``facts``)."""
    path = folder / CROISSANT
    path.write_text(json.dumps(croissant_document(recipe, **facts), indent=2) + "\n")
    return path


__all__ = [
    "CONTEXT",
    "CROISSANT",
    "croissant_document",
    "data_type",
    "limitations",
    "write_croissant",
]
