// The KitchenSinkAPI types are generated at build time by HollowGeneratePlugin from KitchenSink.hollow.
