// Declarations of the SQLite that sqlite-nio vendors and links into every Atelier binary (its
// symbols carry a `sqlite_nio_` prefix). Calling the same copy directly, rather than linking a
// second SQLite, keeps one set of POSIX file locks per process; sqlite-nio itself runs every
// statement as a thread-pool hop, which made the single writer the job queue's bottleneck.
#ifndef ATELIER_SQLITE_DIRECT_H
#define ATELIER_SQLITE_DIRECT_H

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

#define ATELIER_SQLITE_OK 0
#define ATELIER_SQLITE_ROW 100
#define ATELIER_SQLITE_DONE 101
#define ATELIER_SQLITE_INTEGER 1
#define ATELIER_SQLITE_FLOAT 2
#define ATELIER_SQLITE_TEXT 3
#define ATELIER_SQLITE_BLOB 4
#define ATELIER_SQLITE_NULL 5

int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite_nio_sqlite3_extended_errcode(sqlite3 *db);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);
int sqlite_nio_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags, sqlite3_stmt **stmt, const char **tail);
int sqlite_nio_sqlite3_step(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_reset(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_clear_bindings(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *stmt);
int sqlite_nio_sqlite3_bind_int64(sqlite3_stmt *stmt, int index, int64_t value);
int sqlite_nio_sqlite3_bind_double(sqlite3_stmt *stmt, int index, double value);
int sqlite_nio_sqlite3_bind_null(sqlite3_stmt *stmt, int index);
int sqlite_nio_sqlite3_column_count(sqlite3_stmt *stmt);
const char *sqlite_nio_sqlite3_column_name(sqlite3_stmt *stmt, int column);
int sqlite_nio_sqlite3_column_type(sqlite3_stmt *stmt, int column);
int64_t sqlite_nio_sqlite3_column_int64(sqlite3_stmt *stmt, int column);
double sqlite_nio_sqlite3_column_double(sqlite3_stmt *stmt, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(sqlite3_stmt *stmt, int column);
const void *sqlite_nio_sqlite3_column_blob(sqlite3_stmt *stmt, int column);
int sqlite_nio_sqlite3_column_bytes(sqlite3_stmt *stmt, int column);

/// Binds a copy of the bytes (SQLITE_TRANSIENT, a pointer Swift cannot spell).
int atelier_sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text, int64_t bytes);
int atelier_sqlite_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int64_t count);

#endif
