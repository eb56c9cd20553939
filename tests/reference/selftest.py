"""The runner of the Python self-checks (no pytest needed): every callable
`test_*` of a module's namespace, PASS/FAIL per test, the traceback of
each failure, and an exit code."""
import traceback


def run(namespace):
    """Runs the `test_*` functions of `namespace` (a module's globals());
    returns 1 if any failed, else 0."""
    tests = [(k, v) for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print(f"PASS {name}")
        except Exception:
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{len(tests) - failed}/{len(tests)} passed")
    return 1 if failed else 0
