"""The SeaweedFS server the S3 storage tests use: the topology's own (deploy/seaweedfs.py)."""

from deploy.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3, seaweedfs, weed_binary

__all__ = ["ACCESS_KEY", "SECRET_KEY", "SeaweedS3", "seaweedfs", "weed_binary"]
