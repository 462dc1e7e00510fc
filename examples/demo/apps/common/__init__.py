"""First-party code the demo fleet's services share (imported by hello, heartbeat and audio; not by the others)."""
