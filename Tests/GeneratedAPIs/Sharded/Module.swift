// The ShardedAPI types are generated at build time by HollowGeneratePlugin from Sharded.hollow.
