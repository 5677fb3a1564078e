extension MQTTTopics {
    /// The topic segment of a store without a namespace (a dataset at the store root, Java's layout): `default`.
    public static let rootTopicNamespace = "default"

    /// The topic segment of a dataset: `override` when given, else its store namespace, else
    /// ``rootTopicNamespace``. Producers and consumers of one store use the same rule.
    public static func topicNamespace(storeNamespace: String?, override: String? = nil) -> String {
        override ?? storeNamespace ?? rootTopicNamespace
    }
}
