"""Serves ClickHouse's own HTTP interface from the libchdb.so that `npm ci` installs with chdb.

Why: no machine of ours can reach a clickhouse-server binary (no Docker, Debian's is from 2018),
but libchdb is ClickHouse 26.x with its clickhouse-local entry point, and clickhouse-local since
26.x opens the server's HTTP listener on `SYSTEM START LISTEN HTTP`. So Vigil's CLICKHOUSE_URL mode
(@clickhouse/client over HTTP) is exercised against the real ClickHouse HTTP handler, users,
grants and engine. Node has no FFI, hence this small ctypes launcher.

NOTE: chDB's embedded connection API (what `chdb` in Node uses) never sets the callback that
starts listeners; only the command-line entry point `chdb_query_cmdline` (clickhouse-local's
main) does, so the whole server lives inside one never-ending query: start the listener, then
sleep row by row (3 s per row, ~0 CPU) until the process is signalled.

Usage: serve.py LIBCHDB DATA_DIR HTTP_PORT CONFIG_FILE
"""
import ctypes
import sys


def main() -> int:
    if len(sys.argv) != 5:
        sys.stderr.write("usage: serve.py LIBCHDB DATA_DIR HTTP_PORT CONFIG_FILE\n")
        return 2
    lib_path, data_dir, port, config_file = sys.argv[1:]
    lib = ctypes.CDLL(lib_path)
    lib.chdb_query_cmdline.restype = ctypes.c_void_p
    lib.chdb_query_cmdline.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.chdb_result_error.restype = ctypes.c_char_p
    lib.chdb_result_error.argtypes = [ctypes.c_void_p]
    args = [
        "vigil-clickhouse-http",  # argv[0], the program name; clickhouse-local skips it
        "--config-file=" + config_file,
        "--path=" + data_dir,
        "--listen_host=127.0.0.1",
        "--http_port=" + port,
        "--query=SYSTEM START LISTEN HTTP; "
        "SELECT sleepEachRow(3) FROM system.numbers SETTINGS max_block_size = 1 FORMAT Null",
    ]
    argv = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
    result = lib.chdb_query_cmdline(len(args), argv)
    error = lib.chdb_result_error(result) if result else b"chdb_query_cmdline returned no result"
    if error:
        sys.stderr.write("clickhouse-http: " + error.decode(errors="replace") + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
