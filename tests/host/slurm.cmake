# SPDX-License-Identifier: LGPL-2.1-or-later
# The Slurm cases of the host tier (include()d by tests/host/CMakeLists.txt): one boot with
# slurmctld and slurmd on one node and cdmd_spank.so from the package (see cases/slurm-*.sh).
# The jobs run in order in the same guest: slurm-restart.sh goes on with the jobs that
# slurm-jobs.sh leaves running.
cdmd_add_host_test(slurm cases/slurm-jobs.sh CASES cases/slurm-restart.sh cases/slurm-policy.sh
        TIMEOUT 1500
        FILES ${CMAKE_CURRENT_SOURCE_DIR}/cases/slurm-lib.sh=/usr/local/lib/cdmd-host/slurm-lib.sh)
