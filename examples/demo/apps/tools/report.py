"""A developer script beside the services: no service imports it, so editing it rebuilds no image."""
import sys

if __name__ == "__main__":
    print("kiln demo tools: nothing to report", file=sys.stderr)
