// Open MPI from Debian's libopenmpi-dev. Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, …) are macros
// over the addresses of globals, which Swift cannot import: the functions below return them.
#ifndef LATTICEFF_CMPI_SHIM_H
#define LATTICEFF_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm latticeff_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype latticeff_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype latticeff_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype latticeff_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op latticeff_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op latticeff_mpi_max(void) { return MPI_MAX; }
static inline MPI_Status *latticeff_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *latticeff_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Request latticeff_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline int latticeff_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int latticeff_mpi_success(void) { return MPI_SUCCESS; }
static inline int latticeff_mpi_any_source(void) { return MPI_ANY_SOURCE; }
#endif
