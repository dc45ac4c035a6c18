/* bench/duck_copy_bench.c: DuckDB alone, for bench/read_stream.sh.
 *   gen  <out.tsv> <rows>   writes the benchmark rows as TSV (no header) to feed dssd
 *   copy <file.parquet>     COPYs the file as TSV to /dev/null; prints "seconds rows bytes"
 * Same engine settings as dssd: 2 threads, no extension autoloading. */
#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void run(duckdb_connection c, const char* sql, duckdb_result* r) {
  if (duckdb_query(c, sql, r) == DuckDBError) {
    fprintf(stderr, "duckdb: %s\n", duckdb_result_error(r));
    exit(1);
  }
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s gen OUT ROWS | copy FILE\n", argv[0]);
    return 2;
  }
  duckdb_database db;
  duckdb_connection c;
  duckdb_config cfg;
  duckdb_create_config(&cfg);
  duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
  duckdb_set_config(cfg, "autoload_known_extensions", "false");
  duckdb_set_config(cfg, "threads", "2");
  if (duckdb_open_ext(NULL, &db, cfg, NULL) == DuckDBError) return 1;
  duckdb_connect(db, &c);
  char sql[4096];
  duckdb_result r;
  if (strcmp(argv[1], "gen") == 0 && argc == 4) {
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, (i %% 1000)::INTEGER AS a, i / 7.0 AS b, 'name_' || (i %% 9973) "
             "AS c, i %% 2 = 0 AS d, DATE '2020-01-01' + (i %% 3650)::INTEGER AS e "
             "FROM range(%s) t(i)) TO '%s' (FORMAT csv, DELIMITER '\t', HEADER false)",
             argv[3], argv[2]);
    run(c, sql, &r);
    duckdb_destroy_result(&r);
    return 0;
  }
  if (strcmp(argv[1], "copy") == 0) {
    snprintf(sql, sizeof sql,
             "COPY (SELECT * FROM read_parquet('%s')) TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', "
             "HEADER false)",
             argv[2]);
    /* stdout is redirected by the caller to a counting pipe or /dev/null */
    double t0 = now();
    run(c, sql, &r);
    double t1 = now();
    long long rows = (long long)duckdb_value_int64(&r, 0, 0);
    duckdb_destroy_result(&r);
    fprintf(stderr, "%.3f %lld\n", t1 - t0, rows);
    return 0;
  }
  return 2;
}
