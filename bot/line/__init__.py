"""The LINE channel: webhook, event translation, rendering, outbound client."""
