import json

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from contest.results.exports import result_json
from contest.results.ranking import RankingError, contest_rank


class Command(BaseCommand):
    help = (
        "Chấm điểm, xếp hạng và trao giải; --json in kết quả, --final chốt kết quả chính thức. "
        "Grade, rank and allocate prizes."
    )

    def add_arguments(self, parser):
        parser.add_argument("contest", help="mã cuộc thi (slug)")
        parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        parser.add_argument("--final", action="store_true", help="chốt kết quả chính thức")

    def handle(self, *args, contest, final: bool, **options):
        as_json = options["json"]
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"không có cuộc thi mã {contest}")
        try:
            results = contest_rank(found, final=final)
        except RankingError as error:
            raise CommandError(str(error)) from error
        if as_json:
            payloads = [result_json(r) for r in results]
            out = payloads[0] if len(payloads) == 1 else payloads
            self.stdout.write(_dumps(out))
            return
        for result in results:
            winners = result.rows.exclude(prize="").count()
            self.stdout.write(
                f"round {result.round.number}: {'final' if result.final else 'provisional'}; "
                f"ranked: {result.entries_count}, invalid: {result.invalid_count}, "
                f"target: {result.target}, prizes: {winners}, inputs: {result.inputs_hash[:16]}"
            )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
