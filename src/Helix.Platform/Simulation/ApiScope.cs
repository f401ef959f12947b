namespace Helix.Platform.Simulation;

/// <summary>
/// What the API server knows before any CRD: the built-in kinds that are cluster-scoped (every other
/// built-in kind is namespaced), and the objects every cluster starts with.
/// </summary>
internal static class ApiScope
{
    private static readonly HashSet<(string Group, string Kind)> ClusterScoped =
    [
        ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
        ("scheduling.k8s.io", "PriorityClass"), ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"), ("storage.k8s.io", "VolumeAttachment"), ("storage.k8s.io", "VolumeAttributesClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"), ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"), ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("networking.k8s.io", "IngressClass"), ("networking.k8s.io", "IPAddress"), ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"), ("certificates.k8s.io", "CertificateSigningRequest"), ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"), ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"), ("resource.k8s.io", "ResourceSlice"),
    ];

    /// <summary>Namespaces every cluster has.</summary>
    public static readonly IReadOnlyList<string> Namespaces = ["default", "kube-node-lease", "kube-public", "kube-system"];

    /// <summary>Priority classes every cluster has.</summary>
    public static readonly IReadOnlyList<string> PriorityClasses = ["system-cluster-critical", "system-node-critical"];

    /// <summary>The ConfigMap the root-CA publisher writes into every namespace.</summary>
    public const string RootCaConfigMap = "kube-root-ca.crt";

    public static bool IsClusterScoped(string group, string kind) => ClusterScoped.Contains((group, kind));

    /// <summary>
    /// Argo CD's apply order inside one sync wave of an Application (gitops-engine's kind order):
    /// namespaces and policies first, workloads after what they mount, custom resources last.
    /// </summary>
    private static readonly string[] KindOrder =
    [
        "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount",
        "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition",
        "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
        "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
        "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    ];

    public static int ApplyOrder(string kind) => Array.IndexOf(KindOrder, kind) is var i and >= 0 ? i : KindOrder.Length;
}
