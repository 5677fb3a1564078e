// The MetricsAPI types are generated at build time by HollowGeneratePlugin from Metrics.hollow.
