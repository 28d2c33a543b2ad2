"""What every domain's assets share: partition policies, the pandera check, the partition range of a run."""
