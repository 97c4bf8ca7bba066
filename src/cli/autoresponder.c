/* The managed auto-responder process of `run` (being built). */
