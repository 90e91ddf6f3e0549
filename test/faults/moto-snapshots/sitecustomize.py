"""Snapshots of the emulator's whole state, for the fault sweeps (test/faults/emulator-snapshots.ts).

A sweep starts hundreds of runs from the same world; building it again each time (reset, seed, replay
its past) was most of their time. moto has no way to save and restore its state, so this adds one,
openly and for the tests only: Python imports this module at start-up when its folder is on PYTHONPATH,
before the ECS bridge runs, and it adds two routes to moto's own API:

  * POST /moto-api/x-snapshot/save {"name": "..."} keeps a deep copy of every backend in use and of the
    bridge's module-level state (capacity room, RunTask answers by clientToken, target health...).
  * POST /moto-api/x-snapshot/restore {"name": "..."} puts a fresh copy of it back; a backend first used
    after the save is emptied, as a reset would.
"""

import copy
import json
import sys
import threading


def _install():
    try:
        from moto.core.base_backend import BackendDict, backend_lock
        from moto.moto_api._internal import urls as moto_api_urls
    except ImportError:  # a Python without moto (e.g. probed for something else): nothing to add
        return

    # A lock cannot be copied; a copy gets a new one (no request holds any between two calls).
    for kind, make in (
        (type(threading.Lock()), threading.Lock),
        (type(threading.RLock()), threading.RLock),
        (threading.Condition, threading.Condition),
        (threading.Event, threading.Event),
    ):
        copy._deepcopy_dispatch[kind] = lambda _value, _memo, make=make: make()

    snapshots = {}

    def backends_in_use():
        unique = []
        for backend_dict in BackendDict._instances:
            if not any(backend_dict is seen for seen in unique):
                unique.append(backend_dict)
        return unique

    def bridge_state():
        """The bridge's module-level dicts, lists and sets (it runs as __main__)."""
        bridge = sys.modules.get("__main__")
        return {
            name: value
            for name, value in vars(bridge).items()
            if not name.startswith("_") and type(value) in (dict, list, set)
        }

    def name_of(request):
        return json.loads(request.data or b"{}")["name"]

    def answer(status, body):
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def save(request, full_url, headers):
        name = name_of(request)
        with backend_lock:
            live = backends_in_use()
            snapshots[name] = (live, copy.deepcopy(([dict(b) for b in live], bridge_state())))
        return answer(200, {"saved": name, "backends": len(live)})

    def restore(request, full_url, headers):
        name = name_of(request)
        if name not in snapshots:
            return answer(404, {"message": f"no snapshot {name}"})
        live, saved = snapshots[name]
        contents, bridge = copy.deepcopy(saved)
        with backend_lock:
            for backend_dict in backends_in_use():
                if not any(backend_dict is kept for kept in live):
                    for account_backend in backend_dict.values():
                        account_backend.reset()
                    dict.clear(backend_dict)
            for backend_dict, content in zip(live, contents):
                dict.clear(backend_dict)
                dict.update(backend_dict, content)
            BackendDict._instances[:] = live
        current = bridge_state()
        for key, value in bridge.items():
            held = current.get(key)
            if isinstance(held, list):
                held[:] = value
            elif held is not None:
                held.clear()
                held.update(value)
        return answer(200, {"restored": name})

    save.__name__ = "x_snapshot_save"
    restore.__name__ = "x_snapshot_restore"
    moto_api_urls.url_paths["{0}/moto-api/x-snapshot/save"] = save
    moto_api_urls.url_paths["{0}/moto-api/x-snapshot/restore"] = restore


_install()
