"""Schemathesis hooks for scripts/test-fuzz (loaded through SCHEMATHESIS_HOOKS)."""
import schemathesis

# Long-polls hold a valid request for up to their wait (GET /jobs/{id}?wait ≤ 60, POST /worker/claim
# wait_seconds ≤ 30). Valid waits are shortened to 1 s so that the run stays within its time budget;
# invalid ones (negative tests) are left alone, so their 422 is still checked.
LONG_POLLS = {"wait": 60, "wait_seconds": 30}


def shorten(values):
    if isinstance(values, dict):
        for name, maximum in LONG_POLLS.items():
            value = values.get(name)
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if whole and not isinstance(value, bool) and 1 < value <= maximum:
                values[name] = 1


@schemathesis.hook
def map_case(context, case):
    shorten(case.query)
    shorten(case.body)
    return case
