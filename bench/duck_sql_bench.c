/* bench/duck_sql_bench.c: DuckDB alone, for bench/jobs.sh.
 *   duck_sql_bench SQLFILE [MEMORY_LIMIT]
 * Runs each statement of SQLFILE (statements separated by a line holding only ";") on a fresh
 * in-memory database with dssd's engine settings (2 threads, memory limit 2GB unless given, no
 * extension autoloading) and prints the wall time of the whole file in seconds on stdout. */
#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SQLFILE [MEMORY_LIMIT]\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* sql = malloc(n + 1);
  if (fread(sql, 1, n, f) != (size_t)n) return 1;
  sql[n] = 0;
  fclose(f);

  duckdb_database db;
  duckdb_connection c;
  duckdb_config cfg;
  duckdb_create_config(&cfg);
  duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
  duckdb_set_config(cfg, "autoload_known_extensions", "false");
  duckdb_set_config(cfg, "threads", "2");
  duckdb_set_config(cfg, "memory_limit", argc > 2 ? argv[2] : "2GB");
  if (duckdb_open_ext(NULL, &db, cfg, NULL) == DuckDBError) return 1;
  duckdb_connect(db, &c);

  double t0 = now();
  char* stmt = sql;
  while (stmt && *stmt) {
    char* sep = strstr(stmt, "\n;\n");
    if (sep) *sep = 0;
    duckdb_result r;
    if (duckdb_query(c, stmt, &r) == DuckDBError) {
      fprintf(stderr, "duckdb: %s\n", duckdb_result_error(&r));
      return 1;
    }
    duckdb_destroy_result(&r);
    stmt = sep ? sep + 3 : NULL;
  }
  printf("%.3f\n", now() - t0);
  duckdb_disconnect(&c);
  duckdb_close(&db);
  free(sql);
  return 0;
}
