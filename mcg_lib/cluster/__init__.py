"""The home cluster: stage Job rendering, the monthly submitter and Pi-local graph copies.

The K3s manifests under ``k8s/`` and the Ansible roles under ``ansible/`` rely
on the names fixed here. They are the data root inside every pod, the claims
that mount it, the node label that places a pod, and the user the image runs as.
"""

from __future__ import annotations

# Mount point of the NVMe data root in every stage pod. The ZimaBoard mounts
# it directly, the Pis through NFS from the ZimaBoard.
CLUSTER_DATA_ROOT = "/srv/music-graph"

# Claims bound to the two PersistentVolumes in k8s/base/storage.yaml.
LOCAL_CLAIM = "music-graph-local"
NFS_CLAIM = "music-graph-nfs"

# Node label set by the Ansible k3s roles: "storage" on the ZimaBoard, "worker" on the Pis.
PLACEMENT_LABEL = "mcg/placement"

# The unprivileged user of the image (Dockerfile); the storage role gives it the data root.
IMAGE_UID = 10001

# The folder that contains the project inside the image.
IMAGE_WORKDIR = "/app"

# The rendered stage Jobs, read by the submitter from the image it runs in.
JOBS_FILE = "k8s/jobs/pipeline.yaml"
