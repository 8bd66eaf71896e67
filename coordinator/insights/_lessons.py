"""The generated "lessons learned": plain sentences drawn only from published values."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from msin_fed.coordinator.insights._aggregate import Insights

__all__ = ["lessons_learned"]


def _days(d: float) -> str:
    return f"{d:.0f} day" + ("" if round(d) == 1 else "s")


def lessons_learned(ins: Insights) -> tuple[str, ...]:
    """Sentences for the report's lessons-learned section, then the analysts' own notes."""
    out: list[str] = []
    acts = ins.actions
    table = acts.table
    total = table.total
    if total is None:
        out.append("Too few actions were recorded in the period to report them without identifying members.")
    elif total == 0:
        out.append("No member recorded an action on a match or alert in the period.")
    else:
        shown = [(table.row_labels[i], v[0]) for i, v in enumerate(table.values) if v[0]]
        if shown:
            label, n = max(shown, key=lambda x: (x[1] or 0, x[0]))
            out.append(f"{total} actions were recorded in the period; the most common outcome was "
                       f"'{label}' ({n}).")
        le = table.value("referred_to_law_enforcement")
        glaa = table.value("referred_to_glaa")
        if le is not None and glaa is not None and (le + glaa):
            out.append(f"{le + glaa} of {total} actions ({100 * (le + glaa) / total:.0f}%) were referrals "
                       "to law enforcement or the GLAA.")
        nfa = table.value("no_further_action")
        if nfa is not None and total and nfa / total >= 0.5:
            out.append("Half or more of actions ended with no further action: consider whether "
                       "alerts carry enough context to act on.")
    if acts.overall_median_days is not None:
        out.append(f"Median time from a match or alert to the action taken: {_days(acts.overall_median_days)}.")
        timed = {k: v for k, v in acts.median_days.items() if v is not None}
        if len(timed) >= 2:
            fastest = min(timed, key=lambda k: timed[k])
            slowest = max(timed, key=lambda k: timed[k])
            labels = dict(zip(table.row_codes, table.row_labels, strict=True))
            if timed[fastest] != timed[slowest]:
                out.append(f"Fastest outcome: '{labels[fastest]}' ({_days(timed[fastest])}); slowest: "
                           f"'{labels[slowest]}' ({_days(timed[slowest])}).")
    if acts.clusters_total:
        out.append(f"{acts.clusters_without_action} of {acts.clusters_total} clusters of repeat "
                   "perpetrators or sites have no recorded action yet.")
    cases = ins.tables.get("case_actions")
    if cases is not None and cases.total is None:
        out.append("Too few actions on cases were recorded in the period, or in one of its months, "
                   "to report their total without identifying members.")
    elif cases is not None and cases.total:
        counted = [(cases.row_labels[i], t) for i, t in enumerate(cases.row_totals or ()) if t]
        if counted:
            label, n = max(counted, key=lambda x: (x[1] or 0, x[0]))
            out.append(f"{cases.total} actions were recorded on cases; the most common was '{label}' ({n}).")
    if ins.member_lessons:
        out.append(f"Members' lessons learned on cases ({ins.member_lessons_written}):")
        out.extend(ins.member_lessons)
    elif ins.member_lessons_written:
        out.append("Members wrote lessons learned on cases, too few to publish without identifying them.")
    out.extend(ins.config.lessons)
    return tuple(out)
