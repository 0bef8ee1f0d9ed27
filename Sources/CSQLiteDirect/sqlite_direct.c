#include "sqlite_direct.h"

typedef void (*destructor)(void *);
#define TRANSIENT ((destructor)-1)

int sqlite_nio_sqlite3_bind_text64(sqlite3_stmt *, int, const char *, uint64_t, destructor, unsigned char);
int sqlite_nio_sqlite3_bind_blob64(sqlite3_stmt *, int, const void *, uint64_t, destructor);

int atelier_sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text, int64_t bytes) {
    return sqlite_nio_sqlite3_bind_text64(stmt, index, text, (uint64_t)bytes, TRANSIENT, 1 /* UTF-8 */);
}

int atelier_sqlite_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int64_t count) {
    return sqlite_nio_sqlite3_bind_blob64(stmt, index, bytes, (uint64_t)count, TRANSIENT);
}
