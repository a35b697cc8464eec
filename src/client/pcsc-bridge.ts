/**
 * The PC/SC bridge: a small Python program using pyscard (Debian
 * `python3-pyscard`) that talks to pcscd, driven over JSON lines on
 * stdin/stdout. dmvisor has no native PC/SC binding; this keeps the
 * dependency outside node_modules and optional: without python3 + pyscard +
 * pcscd the PC/SC port reports a clear error.
 */
export const PCSC_BRIDGE_PY = String.raw`# PC/SC bridge for dmvisor (src/client/pcsc-smartcard.ts): JSON lines on stdin, JSON lines on stdout.
# Uses pyscard (Debian python3-pyscard) to talk to pcscd. Requests:
#   {"cmd": "readers"}                      -> {"readers": [...]}
#   {"cmd": "connect", "reader": "substr"}  -> {"ok": true, "reader": name, "atr": hex} | {"error": "..."}
#   {"cmd": "apdu", "hex": "00A4..."}        -> {"data": hex, "sw": "9000"} | {"error": "..."}
#   {"cmd": "close"}                        -> exits
import json, sys
try:
    from smartcard.System import readers
    from smartcard.Exceptions import NoCardException, CardConnectionException
except Exception as e:  # pyscard missing
    print(json.dumps({"error": "pyscard not available: %s" % e}), flush=True)
    sys.exit(0)

conn = None
for line in sys.stdin:
    try:
        req = json.loads(line)
        cmd = req.get("cmd")
        if cmd == "readers":
            print(json.dumps({"readers": [str(r) for r in readers()]}), flush=True)
        elif cmd == "connect":
            want = req.get("reader") or ""
            found = [r for r in readers() if want in str(r)]
            if not found:
                print(json.dumps({"error": "no reader matching %r" % want}), flush=True)
                continue
            conn = found[0].createConnection()
            try:
                conn.connect()
            except (NoCardException, CardConnectionException) as e:
                print(json.dumps({"error": "no card: %s" % e, "noCard": True}), flush=True)
                continue
            print(json.dumps({"ok": True, "reader": str(found[0]), "atr": bytes(conn.getATR()).hex()}), flush=True)
        elif cmd == "apdu":
            data, sw1, sw2 = conn.transmit(list(bytes.fromhex(req["hex"])))
            print(json.dumps({"data": bytes(data).hex(), "sw": "%02X%02X" % (sw1, sw2)}), flush=True)
        elif cmd == "close":
            break
        else:
            print(json.dumps({"error": "unknown command"}), flush=True)
    except (NoCardException,) as e:
        print(json.dumps({"error": "no card: %s" % e, "noCard": True}), flush=True)
    except Exception as e:
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}), flush=True)
`;
