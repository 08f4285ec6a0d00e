"""What an operator watches: the dispatcher's heartbeat, readiness, figures for metrics."""
