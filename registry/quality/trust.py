"""The questions a reviewer of synthetic data asks beyond fidelity: can a person in the seed
be singled out (privacy attacks), is it fair to the groups in it (bias audit), and does it
help the model it was made for (augmentation lift).

:func:`score_trust` runs the three (:mod:`~registry.quality.attacks`,
:mod:`~registry.quality.bias`, :mod:`~registry.quality.lift`) and gives each a verdict;
:func:`trust_lines` and :func:`trust_markdown` word them the same way for ``phantom score``,
the TUI and the card.

Verdicts: a membership inference AUC or an attribute disclosure *fails* above its gate
(``max_mia_auc``, ``max_attribute_disclosure``: the recipe's or the default), *warns* when the
attack beats chance (AUC above 0.5, disclosure above 0) by more than 1.96 standard errors,
and *passes* otherwise. The bias audit passes or warns (see :mod:`registry.quality.bias`);
the lift helps, is neutral or hurts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from registry.quality.fidelity import ColumnKind
from registry.recipes import BiasAudit, PrivacyAudit

Verdict = Literal["pass", "warn", "fail"]
_Z = 1.96


def score_trust(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind],
    thresholds: Mapping[str, float],
    target: str | None = None,
    privacy_audit: PrivacyAudit | None = None,
    bias_audit: BiasAudit | None = None,
    requested: Mapping[str, Mapping[str, float]] | None = None,
    random_seed: int = 0,
    max_rows: int = 20_000,
) -> dict[str, dict[str, Any] | None]:
    """``{"attacks", "bias", "augmentation"}`` sections of quality.json for one table.

    ``thresholds`` are the gates in force (``max_mia_auc``, ``max_attribute_disclosure``), for
    the verdicts; ``requested`` the recipe's ``{column: {value: share}}``; ``max_rows`` bounds
    the rows each lift model trains on. The lift needs a ``target``, the bias section a
    ``bias_audit`` or a rebalancing (None otherwise).
    """
    from registry.quality._holdout_models import fit_holdout_models
    from registry.quality.attacks import score_attribute_inference, score_membership
    from registry.quality.bias import score_bias
    from registry.quality.lift import score_lift

    requested = requested or {}
    membership = score_membership(train, holdout, synthetic, kinds=kinds, random_seed=random_seed)
    attacks: dict[str, Any] = {
        "membership": {
            **membership.model_dump(mode="json"),
            "verdict": _verdict(membership.auc, membership.auc_se, 0.5, thresholds, "max_mia_auc"),
        }
    }
    if privacy_audit is not None:
        attribute = score_attribute_inference(
            train,
            holdout,
            synthetic,
            quasi_identifiers=privacy_audit.quasi_identifiers,
            sensitive=privacy_audit.sensitive,
            kinds=kinds,
            random_seed=random_seed,
        )
        worst = next((c for c in attribute.columns if c.column == attribute.column), None)
        attacks["attribute"] = {
            **attribute.model_dump(mode="json"),
            "verdict": _verdict(
                attribute.disclosure,
                worst.disclosure_se if worst else None,
                0.0,
                thresholds,
                "max_attribute_disclosure",
            ),
        }
    models = (
        fit_holdout_models(
            train,
            holdout,
            synthetic,
            target=target,
            kinds=kinds,
            random_seed=random_seed,
            max_rows=max_rows,
        )
        if target
        else None
    )
    augmentation = None
    if models is not None:
        lift = score_lift(models, train=train, synthetic=synthetic, requested=requested.get(target))
        augmentation = lift.model_dump(mode="json")
    bias = None
    if bias_audit is not None or requested:
        bias = score_bias(
            train,
            synthetic,
            columns=bias_audit.columns if bias_audit is not None else [],
            kinds=kinds,
            target=target,
            models=models,
            requested=requested,
        ).model_dump(mode="json")
    return {"attacks": attacks, "bias": bias, "augmentation": augmentation}


def _verdict(
    value: float | None,
    se: float | None,
    chance: float,
    thresholds: Mapping[str, float],
    gate: str,
) -> Verdict | None:
    if value is None:
        return None
    threshold = thresholds.get(gate)
    if threshold is not None and value > threshold:
        return "fail"
    if se is not None and value - _Z * se > chance:
        return "warn"
    return "pass"


# --- wording ------------------------------------------------------------------------------


def trust_lines(quality: Mapping[str, Any]) -> list[str]:
    """One plain line per trust figure of a quality.json (empty when it has none)."""
    lines = []
    attacks = quality.get("attacks") or {}
    membership = attacks.get("membership") or {}
    if membership.get("auc") is not None:
        lines.append(
            f"membership inference AUC {membership['auc']:.3f} ± {membership['auc_se']:.3f} "
            f"(0.5 = chance; {membership['attack']}): {membership['verdict']}"
        )
    attribute = attacks.get("attribute") or {}
    if attribute.get("disclosure") is not None:
        lines.append(
            f"attribute disclosure {attribute['disclosure']:+.3f} on {attribute['column']} "
            f"from {', '.join(attribute['quasi_identifiers'])} (train rows vs unseen rows; "
            f"0 = nothing beyond the population): {attribute['verdict']}"
        )
    bias = quality.get("bias") or {}
    if bias.get("columns"):
        shown = "; ".join(bias["warnings"][:2]) if bias["warnings"] else "no gap widened"
        lines.append(
            f"bias audit of {', '.join(c['column'] for c in bias['columns'])}: "
            f"{bias['verdict']} ({shown})"
        )
    for item in bias.get("rebalanced") or []:
        lines.append(
            f"rebalanced {item['column']}={item['value']}: {item['seed_share']:.1%} in the seed, "
            f"{item['synthetic_share']:.1%} made ({item['requested_share']:.0%} asked)"
        )
    lift = quality.get("augmentation") or {}
    if lift.get("lift") is not None:
        metric = lift["metric"]
        lines.append(
            f"augmentation: {metric} real {_num(lift['real'][metric])}, synthetic "
            f"{_num(lift['synthetic'][metric])}, real+synthetic "
            f"{_num(lift['real_plus_synthetic'][metric])} (lift {lift['lift']:+.3f}): "
            f"{lift['verdict']}"
        )
    return lines


def trust_markdown(quality: Mapping[str, Any]) -> str:
    """The card's "Privacy attacks", "Bias audit" and "Augmentation lift" subsections."""
    parts = [_attacks_markdown(quality.get("attacks")), _bias_markdown(quality.get("bias"))]
    parts.append(_lift_markdown(quality.get("augmentation")))
    return "\n".join(part for part in parts if part)


def _attacks_markdown(attacks: Mapping[str, Any] | None) -> str:
    if not attacks or not (attacks.get("membership") or {}).get("attacks"):
        return ""
    membership = attacks["membership"]
    lines = [
        "### Privacy attacks\n",
        "Can an attacker holding this data tell the seed's training rows from real rows the "
        "generator never saw? AUC 0.5 is chance, 1.0 finds every training row.\n",
        "| attack | AUC | ± s.e. | rows (train / unseen) | reference |",
        "|---|---:|---:|---|---|",
    ]
    lines += [
        f"| {a['attack']} | {_num(a['auc'])} | {_num(a['auc_se'])} | "
        f"{a['members']:,} / {a['non_members']:,} | {a['reference']} |"
        for a in membership["attacks"]
    ]
    lines.append(f"\nMembership inference: **{membership['verdict']}** (the stronger attack).")
    attribute = attacks.get("attribute")
    if attribute:
        lines += [
            "",
            f"Attribute inference ({attribute['attack']}; {attribute['reference']}): knowing "
            f"{', '.join(attribute['quasi_identifiers'])}, how often is the sensitive value of "
            "a training row guessed, against the same guess on unseen rows?\n",
            "| sensitive column | metric | train rows | unseen rows | disclosure | ± s.e. |",
            "|---|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {c['column']} | {c['metric']} | {_num(c['train'])} | {_num(c['holdout'])} | "
            f"{_num(c['disclosure'])} | {_num(c['disclosure_se'])} |"
            for c in attribute["columns"]
        ]
        lines.append(f"\nAttribute inference: **{attribute['verdict']}**.")
    return "\n".join(lines) + "\n"


def _bias_markdown(bias: Mapping[str, Any] | None) -> str:
    if not bias:
        return ""
    lines = []
    if bias.get("rebalanced"):
        lines += [
            "### Rebalanced groups\n",
            "| column | value | seed share | asked | synthetic share |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| {r['column']} | {r['value']} | {r['seed_share']:.1%} | "
            f"{r['requested_share']:.1%} | {r['synthetic_share']:.1%} |"
            for r in bias["rebalanced"]
        ]
        lines.append("")
    if bias.get("columns"):
        metric = bias.get("metric") or "accuracy"
        lines += [f"### Bias audit: **{bias['verdict']}**\n"]
        for column in bias["columns"]:
            rate = f"{bias['target']} rate ({column['rate_of']})" if column["rate_of"] else ""
            lines += [
                f"**{column['column']}**: demographic parity difference "
                f"{_num(column['seed_gap'])} in the seed, {_num(column['synthetic_gap'])} "
                f"synthetic; TSTR {metric} gap {_num(column['tstr_gap'])} vs real-trained "
                f"{_num(column['trtr_gap'])}.\n",
                f"| group | seed share | synthetic share | seed {rate or 'rate'} | synthetic | "
                f"TSTR {metric} | TRTR {metric} | holdout rows |",
                "|---|---:|---:|---:|---:|---:|---:|---:|",
            ]
            lines += [
                f"| {g['group']} | {g['seed_share']:.1%} | {g['synthetic_share']:.1%}"
                + (f" (asked {g['requested_share']:.0%})" if g["requested_share"] else "")
                + f" | {_num(g['seed_rate'])} | {_num(g['synthetic_rate'])} | {_num(g['tstr'])} | "
                f"{_num(g['trtr'])} | {g['holdout_rows']:,} |"
                for g in column["groups"]
            ]
            lines.append("")
        lines += [f"- warning: {w}" for w in bias["warnings"]]
    return "\n".join(lines) + "\n" if lines else ""


def _lift_markdown(lift: Mapping[str, Any] | None) -> str:
    if not lift or lift.get("lift") is None:
        return ""
    metric = lift["metric"]
    lines = [
        "### Augmentation lift\n",
        f"Models predicting {lift['target']}, each tested on the real holdout "
        f"({lift['rows']['holdout']:,} rows): adding the synthetic rows to the real ones "
        f"**{lift['verdict']}** ({metric} {lift['lift']:+.3f}).\n",
        f"| trained on | {metric} | accuracy / MAE |",
        "|---|---:|---:|",
    ]
    for label, key in (
        ("real only", "real"),
        ("synthetic only", "synthetic"),
        ("real + synthetic", "real_plus_synthetic"),
    ):
        scores = lift[key]
        second = scores.get("accuracy") if metric == "roc_auc" else scores.get("mae")
        lines.append(f"| {label} | {_num(scores.get(metric))} | {_num(second)} |")
    if lift.get("classes"):
        lines += [
            "",
            "| class | seed share | synthetic share | holdout rows | recall real | synthetic | "
            "real + synthetic |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {c['label']} | {c['seed_share']:.1%} | {c['synthetic_share']:.1%} | "
            f"{c['holdout_rows']:,} | {_num(c['recall']['real'])} | "
            f"{_num(c['recall']['synthetic'])} | {_num(c['recall']['real+synthetic'])} |"
            for c in lift["classes"]
        ]
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
