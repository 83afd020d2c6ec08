#ifndef CPOSTGRES_SHIMS_H
#define CPOSTGRES_SHIMS_H
#include <postgresql/libpq-fe.h>
#endif
