#!/usr/bin/env bash
# A Dask cluster inside one Slurm allocation, with TLS, for `iitstudies run --scheduler`.
#   sbatch deploy/slurm-dask.sh configs/computer-vs-target.yaml
# Certificates: see deploy/README.md ("TLS"). They must be readable on every node.
#SBATCH --job-name=iitstudies
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=1
#SBATCH --mem=32G
#SBATCH --time=04:00:00
set -euo pipefail
CONFIG=${1:?usage: sbatch deploy/slurm-dask.sh CONFIG}
TLS=${DASK_TLS_DIR:-$HOME/.dask/tls}
SCHED_FILE=$PWD/scheduler-$SLURM_JOB_ID.json
TLS_ARGS=(--tls-ca-file "$TLS/ca.pem" --tls-cert "$TLS/dask.pem" --tls-key "$TLS/dask-key.pem")

dask scheduler --protocol tls --scheduler-file "$SCHED_FILE" --dashboard-address 127.0.0.1:8787 "${TLS_ARGS[@]}" &
while [ ! -f "$SCHED_FILE" ]; do sleep 1; done
srun --ntasks=$((SLURM_NNODES * SLURM_NTASKS_PER_NODE - 1)) \
  dask worker --scheduler-file "$SCHED_FILE" --nthreads 1 --nworkers 1 "${TLS_ARGS[@]}" &
ADDRESS=$(python -c "import json,sys; print(json.load(open(sys.argv[1]))['address'])" "$SCHED_FILE")
export DASK_DISTRIBUTED__COMM__TLS__CA_FILE=$TLS/ca.pem
export DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT=$TLS/dask.pem
export DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY=$TLS/dask-key.pem
export DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION=true
iitstudies run "$CONFIG" --scheduler "$ADDRESS" --no-progress
