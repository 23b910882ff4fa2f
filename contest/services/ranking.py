"""Grading and ranking by the rules of CONTRACTS.md ("Ranking rules").

Grading is set-based: one UPDATE per table computes every entry's score from
its frozen question versions. Ranking reads the graded entries once (one query
for online attempts, one for paper sheets), decides validity, picks each
person's counted entry, sorts by the contest's tie-break chain, assigns prizes
and stores the result in bulk. Tie-break criteria live in ``CRITERIA``: a name
and a sort key, smaller first; a contest lists them in its own order.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contest.models import (
    Attempt,
    AttemptQuestion,
    Contest,
    PaperAnswer,
    PaperEntry,
    Result,
    ResultRow,
    Round,
)
from questions.models import QuestionVersion

ONLINE = "online"
PAPER = "paper"
_NEVER = float("inf")


class RankingError(Exception):
    """The ranking cannot be made or changed (message for the organizer, in Vietnamese)."""


# --- grading -----------------------------------------------------------------------------


def grade_round(round: Round) -> None:
    """Score every finished attempt and every paper sheet of ``round`` in two UPDATEs.

    A question scores its points when the marks equal the correct set exactly
    (several-correct questions are all-or-nothing); blank and ``*`` score 0.
    """
    zero = Value(Decimal(0))
    online_points = (
        AttemptQuestion.objects.filter(attempt=OuterRef("pk"), answer=F("version__correct"))
        .exclude(answer="")
        .values("attempt")
        .annotate(points=Sum("version__points"))
        .values("points")
    )
    Attempt.objects.filter(round=round).exclude(status=Attempt.Status.IN_PROGRESS).update(
        score=Coalesce(Subquery(online_points), zero)
    )
    paper_points = (
        PaperAnswer.objects.filter(entry=OuterRef("pk"), answer=F("version__correct"))
        .exclude(answer="")
        .values("entry")
        .annotate(points=Sum("version__points"))
        .values("points")
    )
    PaperEntry.objects.filter(round=round).update(score=Coalesce(Subquery(paper_points), zero))


# --- the entries as ranking sees them ---------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    channel: str
    pk: object
    person: str
    full_name: str
    unit_id: int | None
    score: Decimal
    full_marks: bool
    prediction: int | None
    duration: int | None
    submitted_at: datetime
    registered_at: datetime
    label: str  # sheet_no or receipt code
    reason: str = ""
    key: tuple = field(default=())


def _paper_deadline(contest: Contest, round: Round):
    if contest.paper_postmark_deadline and round.number == contest.rounds.count():
        return contest.paper_postmark_deadline
    return timezone.localtime(round.closes_at, contest.tz).date()


def _candidates(contest: Contest, round: Round) -> list[Candidate]:
    tz = contest.tz
    late_after = round.closes_at + timedelta(seconds=contest.grace_seconds)
    need_full = True  # full marks feed the all_correct target and the statistics
    out: list[Candidate] = []

    attempts = Attempt.objects.filter(round=round).exclude(status=Attempt.Status.IN_PROGRESS)
    if need_full:
        attempts = attempts.annotate(max_score=Sum("items__version__points"))
    fields = [
        "pk",
        "user__phone",
        "user__date_joined",
        "user__profile__full_name",
        "user__profile__id_number",
        "user__profile__unit_id",
        "score",
        "prediction",
        "duration_seconds",
        "submitted_at",
        "receipt_code",
    ] + (["max_score"] if need_full else [])
    for row in attempts.values_list(*fields).iterator(chunk_size=5000):
        phone, joined, name, id_number = row[1], row[2], row[3] or "", row[4] or ""
        person = phone or id_number
        reason = ""
        if row[9] > late_after:
            reason = "late_submission"
        elif not name.strip() or not person:
            reason = "missing_identity"
        out.append(
            Candidate(
                channel=ONLINE,
                pk=row[0],
                person=person or "",
                full_name=name,
                unit_id=row[5],
                score=row[6] or Decimal(0),
                full_marks=need_full and row[6] is not None and row[6] == row[11],
                prediction=row[7],
                duration=row[8],
                submitted_at=row[9],
                registered_at=joined,
                label=row[10],
                reason=reason,
            )
        )

    deadline = _paper_deadline(contest, round)
    paper_max = None
    if need_full:
        from contest.services.paper import paper_versions

        paper_max = sum((v.points for v in paper_versions(round)), Decimal(0))
    sheets = PaperEntry.objects.filter(round=round).values_list(
        "pk",
        "sheet_no",
        "full_name",
        "phone",
        "id_number",
        "unit_id",
        "score",
        "prediction",
        "postmark_date",
        "received_at",
        "invalid_reason",
    )
    for (
        pk,
        sheet_no,
        name,
        phone,
        id_number,
        unit_id,
        score,
        prediction,
        postmark,
        received,
        why,
    ) in sheets.iterator(chunk_size=5000):
        person = phone or id_number
        if why:
            reason = why
        elif not name.strip() or not person:
            reason = "missing_identity"
        elif postmark > deadline:
            reason = "late_postmark"
        else:
            reason = ""
        when = received or datetime.combine(postmark, time.max, tz)
        out.append(
            Candidate(
                channel=PAPER,
                pk=pk,
                person=person,
                full_name=name,
                unit_id=unit_id,
                score=score or Decimal(0),
                full_marks=paper_max is not None and score == paper_max,
                prediction=prediction,
                duration=None,
                submitted_at=when,
                registered_at=when,
                label=sheet_no,
                reason=reason,
            )
        )
    return out


# --- tie-break criteria ------------------------------------------------------------------------


@dataclass
class Context:
    target: int | None
    seed: str
    attempts: dict[str, int]
    registered: dict[str, datetime]


Criterion = Callable[[Candidate, Context], object]


def _lot(c: Candidate, ctx: Context) -> str:
    return hashlib.sha256(f"{ctx.seed}:{c.person}".encode()).hexdigest()


CRITERIA: dict[str, Criterion] = {
    # higher score first
    "score": lambda c, ctx: -c.score,
    # closest prediction first; no prediction sorts last; over and under at the same distance tie
    "prediction_error": lambda c, ctx: (
        abs(c.prediction - ctx.target)
        if c.prediction is not None and ctx.target is not None
        else _NEVER
    ),
    # shorter first; paper has none and sorts after online entries
    "duration": lambda c, ctx: (0, c.duration) if c.duration is not None else (1, 0),
    "submitted_at": lambda c, ctx: c.submitted_at,
    # fewer valid entries (attempts and sheets) of the person first
    "attempts": lambda c, ctx: ctx.attempts[c.person],
    # earlier registration first: the account's creation, else the person's first sheet
    "registered_at": lambda c, ctx: ctx.registered[c.person],
    "lot": _lot,
}


def lot_digest(seed: str, person: str) -> str:
    """The lot value anyone can recompute: SHA-256 of ``seed:person`` in hex."""
    return hashlib.sha256(f"{seed}:{person}".encode()).hexdigest()


# --- ranking -------------------------------------------------------------------------------------


@dataclass
class Ranking:
    contest: Contest
    round: Round
    target: int | None
    chain: list[str]
    ranked: list[Candidate]
    decided_by: list[str | None]
    prizes: list[str]
    invalid: list[Candidate]
    inputs_hash: str


def _counted(valid: list[Candidate], rule: str, key) -> list[Candidate]:
    chosen: dict[str, Candidate] = {}
    for c in valid:
        current = chosen.get(c.person)
        if current is None:
            chosen[c.person] = c
        elif rule == Contest.CountedAttempt.FIRST:
            if c.submitted_at < current.submitted_at:
                chosen[c.person] = c
        elif rule == Contest.CountedAttempt.LAST:
            if c.submitted_at > current.submitted_at:
                chosen[c.person] = c
        elif key(c) < key(current):
            chosen[c.person] = c
    return list(chosen.values())


def rank_round(contest: Contest, round: Round) -> Ranking:
    """Grade and rank ``round``; nothing is stored (see ``result_save``)."""
    grade_round(round)
    everything = _candidates(contest, round)
    valid = [c for c in everything if not c.reason]
    invalid = [c for c in everything if c.reason]
    target = None
    if contest.prediction_target == Contest.PredictionTarget.PARTICIPANTS:
        target = len({c.person for c in valid})
    elif contest.prediction_target == Contest.PredictionTarget.ALL_CORRECT:
        target = sum(1 for c in valid if c.full_marks)
    attempts: dict[str, int] = {}
    registered: dict[str, datetime] = {}
    for c in valid:
        attempts[c.person] = attempts.get(c.person, 0) + 1
        if c.person not in registered or c.registered_at < registered[c.person]:
            registered[c.person] = c.registered_at
    ctx = Context(target=target, seed=contest.lot_seed, attempts=attempts, registered=registered)
    chain = [name for name in (contest.tie_break or ["score"]) if name in CRITERIA]
    keys = [CRITERIA[name] for name in chain]
    for c in valid:
        c.key = tuple(k(c, ctx) for k in keys)
    counted = _counted(valid, contest.counted_attempt, lambda c: c.key)
    counted.sort(key=lambda c: c.key)
    decided_by: list[str | None] = []
    for i, c in enumerate(counted):
        below = counted[i + 1] if i + 1 < len(counted) else None
        decided = None
        if below is not None:
            for name, mine, theirs in zip(chain, c.key, below.key, strict=True):
                if mine != theirs:
                    decided = name
                    break
        decided_by.append(decided)
    prizes: list[str] = []
    for prize in round.prizes or contest.prizes or []:
        prizes += [prize["name"]] * int(prize.get("count", 0))
    inputs = hashlib.sha256()
    inputs.update(
        json.dumps(
            [contest.slug, round.number, chain, contest.lot_seed, target, contest.counted_attempt],
            ensure_ascii=False,
        ).encode()
    )
    for c in sorted(everything, key=lambda c: (c.channel, str(c.pk))):
        inputs.update(
            f"\n{c.channel}|{c.pk}|{c.person}|{c.score}|{c.prediction}|{c.duration}|"
            f"{c.submitted_at.isoformat()}|{c.reason}".encode()
        )
    return Ranking(
        contest=contest,
        round=round,
        target=target,
        chain=chain,
        ranked=counted,
        decided_by=decided_by,
        prizes=prizes,
        invalid=invalid,
        inputs_hash=inputs.hexdigest(),
    )


def result_save(ranking: Ranking, *, final: bool = False, user=None) -> Result:
    """Store a ranking: a provisional one replaces the previous provisional one."""
    round = ranking.round
    if final and timezone.now() < round.closes_at:
        raise RankingError(
            "vòng thi chưa đóng: chỉ xếp hạng tạm được; kết quả chính thức sau giờ đóng."
        )
    with transaction.atomic():
        if Result.objects.select_for_update().filter(round=round, final=True).exists():
            raise RankingError("kết quả chính thức của vòng này đã chốt; không xếp lại được.")
        Result.objects.filter(round=round, final=False).delete()
        result = Result.objects.create(
            contest=ranking.contest,
            round=round,
            final=final,
            target=ranking.target,
            tie_break=ranking.chain,
            inputs_hash=ranking.inputs_hash,
            entries_count=len(ranking.ranked),
            invalid_count=len(ranking.invalid),
            created_by=user,
        )
        rows = []
        for i, c in enumerate(ranking.ranked):
            rows.append(
                _row(
                    result,
                    c,
                    rank=i + 1,
                    prize=ranking.prizes[i] if i < len(ranking.prizes) else "",
                    decided_by=ranking.decided_by[i] or "",
                )
            )
        rows += [_row(result, c, rank=None, prize="", decided_by="") for c in ranking.invalid]
        ResultRow.objects.bulk_create(rows, batch_size=5000)
    return result


def _row(result: Result, c: Candidate, *, rank, prize: str, decided_by: str) -> ResultRow:
    return ResultRow(
        result=result,
        rank=rank,
        person=c.person,
        full_name=c.full_name,
        unit_id=c.unit_id,
        channel=c.channel,
        attempt_id=c.pk if c.channel == ONLINE else None,
        paper_id=c.pk if c.channel == PAPER else None,
        score=c.score,
        full_marks=c.full_marks,
        prediction=c.prediction,
        duration_seconds=c.duration,
        submitted_at=c.submitted_at,
        prize=prize,
        decided_by=decided_by,
        reason=c.reason,
    )


def contest_rank(contest: Contest, *, final: bool = False, user=None) -> list[Result]:
    """Rank every round of ``contest`` (or return the frozen result of a finalized round)."""
    results = []
    for round in contest.rounds.order_by("number"):
        frozen = Result.objects.filter(round=round, final=True).first()
        if frozen is not None:
            if final:
                raise RankingError(
                    f"vòng {round.number}: kết quả chính thức đã chốt lúc "
                    f"{timezone.localtime(frozen.created_at, contest.tz):%H:%M %d/%m/%Y}."
                )
            results.append(frozen)
            continue
        results.append(result_save(rank_round(contest, round), final=final, user=user))
    return results


# --- reading a stored result ------------------------------------------------------------------


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def result_json(result: Result) -> dict:
    """The stored result in the shape of CONTRACTS.md's ``rank_contest --json``."""
    rows = ResultRow.objects.filter(result=result)
    fields = (
        "rank",
        "person",
        "full_name",
        "channel",
        "paper__sheet_no",
        "attempt__receipt_code",
        "score",
        "prediction",
        "duration_seconds",
        "submitted_at",
        "prize",
        "decided_by",
        "reason",
        "unit__name",
    )
    entries, invalid = [], []
    tz = result.contest.tz
    for r in rows.filter(rank__isnull=False).order_by("rank").values(*fields).iterator(2000):
        entry = {
            "rank": r["rank"],
            "person": r["person"],
            "full_name": r["full_name"],
            "channel": r["channel"],
        }
        if r["channel"] == PAPER:
            entry["sheet_no"] = r["paper__sheet_no"]
        else:
            entry["receipt"] = r["attempt__receipt_code"]
        entry.update(
            {
                "score": _number(r["score"]),
                "prediction": r["prediction"],
                "duration": r["duration_seconds"],
                "submitted_at": timezone.localtime(r["submitted_at"], tz).isoformat(),
                "unit": r["unit__name"],
                "prize": r["prize"] or None,
                "decided_by": r["decided_by"] or None,
            }
        )
        entries.append(entry)
    for r in rows.filter(rank__isnull=True).order_by("pk").values(*fields).iterator(2000):
        item = (
            {"sheet_no": r["paper__sheet_no"]}
            if r["channel"] == PAPER
            else {"receipt": r["attempt__receipt_code"]}
        )
        item.update({"person": r["person"], "channel": r["channel"], "reason": r["reason"]})
        invalid.append(item)
    return {
        "contest": result.contest.slug,
        "round": result.round.number,
        "final": result.final,
        "target": result.target,
        "tie_break": result.tie_break,
        "lot_seed": result.contest.lot_seed,
        "inputs_hash": result.inputs_hash,
        "entries": entries,
        "invalid": invalid,
    }


def question_stats(round: Round) -> list[dict]:
    """Share of valid-looking answers that were correct, per question of the round (hardest first)."""
    rows: dict[int, dict] = {}
    for model, owner in ((AttemptQuestion, "attempt"), (PaperAnswer, "entry")):
        base = model.objects.filter(**{f"{owner}__round": round})
        if model is AttemptQuestion:
            base = base.exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        for version_id, total in base.values_list("version").annotate(n=Count("pk")):
            rows.setdefault(version_id, {"total": 0, "correct": 0})["total"] += total
        for version_id, right in (
            base.filter(answer=F("version__correct"))
            .exclude(answer="")
            .values_list("version")
            .annotate(n=Count("pk"))
        ):
            rows[version_id]["correct"] += right
    versions = QuestionVersion.objects.in_bulk(list(rows)).items()
    stats = [
        {
            "version": v,
            "total": rows[pk]["total"],
            "correct": rows[pk]["correct"],
            "share": rows[pk]["correct"] / rows[pk]["total"] if rows[pk]["total"] else 0,
        }
        for pk, v in versions
    ]
    stats.sort(key=lambda s: s["share"])
    return stats
