using Helix.Platform.Charts;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

/// <summary>A promise of the seed: its words, and the line of <c>master-architecture.md</c> that makes it.</summary>
internal sealed record Promise(string Id, string Title, string Seed);

/// <summary>A way a tree (a hand edit, a chart's values, the infrastructure) breaks a promise, and the rule that catches it.</summary>
internal sealed record Breach(string Promise, string How, string Rule);

/// <summary>One rule of <c>helix verify</c>: its id, how severe a finding is, the promise it keeps, and what it checks.</summary>
internal sealed record RuleInfo(string Id, Severity Severity, string Promise, string Checks);

/// <summary>
/// Every rule <c>helix verify</c> runs, by the seed's promise it keeps. <c>docs/architecture/rules.md</c>
/// is rendered from this list, and a test holds it to the rule ids the code reports.
/// </summary>
internal static class RuleCatalog
{
    public static IReadOnlyList<Promise> Promises { get; } =
    [
        new("gitops", "Everything the cluster runs comes from the repository, readable and in one piece",
            "13: GitOps-driven delivery via ArgoCD, surfaced through Devtron."),
        new("install-order", "The platform comes up in the seed's order, each step on what the one before made",
            "223: Installation order (high level), steps 1 to 9."),
        new("ownership", "Each resource has one owner: Terraform, GitOps or Devtron", "18: Clear Terraform vs GitOps vs Devtron ownership."),
        new("ha-data", "The data tier survives the loss of a node and can be restored", "17: HA data plane: CNPG, Redis, Longhorn."),
        new("pooling", "Clients reach PostgreSQL through PgBouncer in transaction mode", "108: CNPG Pooler, PgBouncer transaction mode."),
        new("public-https", "The public reaches the platform over HTTPS, through the load balancer and Traefik only",
            "58: Hetzner Load Balancer, public HTTPS only."),
        new("sso", "Every UI is behind Authentik's SSO", "131: Traefik ==> SSO Gate ==> Authentik."),
        new("zero-trust", "Zones are default-deny, and only the intended flows are open", "14: Zero-trust networking with NetBird and Cilium default-deny."),
        new("egress", "Apps reach the outside only through the egress nodes and their NAT addresses", "152: AIPod -->|\"egress via\"| EgressPool"),
        new("supply-chain", "Images are signed, from the allowed registries, and pinned", "16: Strong supply chain: SBOM, Trivy, cosign, Kyverno verifyImages."),
        new("tenancy", "Tenants are isolated: their namespace, their project, no cluster-wide rights, hardened pods",
            "12: Multi-tenant, production-grade Kubernetes on Talos."),
        new("identity", "The platform reaches AWS with roles its workloads assume, never with static keys", "64: IAM{\"IAM / OIDC Role\\nno static keys\"}"),
        new("infra", "The infrastructure is valid and hardened: Talos machine configs, Terraform, no secrets in either",
            "215: LB, NAT, DNS, NetBirdMgmt, IAM, Buckets, KMS, base Talos cluster (owned by Terraform)."),
    ];

    public static IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(TreeVerifier.YamlRule, Severity.Error, "gitops", "Every file parses as YAML: no syntax error, no depth beyond 64, no .inf or .nan."),
        new(TreeVerifier.ObjectRule, Severity.Error, "gitops", "Every document is a Kubernetes object with text where text belongs."),
        new(TreeVerifier.CoreRule, Severity.Error, "gitops", "Built-in kinds read strictly as the API server would: no unknown field, the required ones there, a served API version."),
        new(CrdSchemas.Rule, Severity.Error, "gitops", "Custom resources match their CRD's schema (Helix's own, else the one the platform installs)."),
        new(ChartVerifier.MissingRule, Severity.Error, "gitops", "Every pinned chart is in the chart cache."),
        new(ChartVerifier.RenderRule, Severity.Error, "gitops", "Every chart renders with its values, as Argo CD renders it."),
        new(ChartVerifier.ValuesRule, Severity.Error, "gitops", "Every values key is one the chart has (Helm ignores a typo silently)."),
        new(ChartVerifier.OutputRule, Severity.Error, "gitops", "A chart's output parses."),
        new(TreeVerifier.SecretRule, Severity.Error, "supply-chain", "No Secret with plaintext data in the tree: SOPS-encrypted only."),
        new(TreeRules.WaveRule, Severity.Error, "install-order", "Sync waves follow the install-order DAG: nothing syncs before what it depends on."),
        new(ChartVerifier.CrdOrderRule, Severity.Error, "install-order", "Without the spec: no chart object before the wave that installs its CRD."),
        new(BringUpSimulator.CrdRule, Severity.Error, "install-order", "No object before its kind's CRD is established (hand installs included)."),
        new(BringUpSimulator.NamespaceRule, Severity.Error, "install-order", "Every object's namespace exists when it is applied."),
        new(BringUpSimulator.ProjectRule, Severity.Error, "install-order", "The AppProject permits each object's destination, kind and source."),
        new(BringUpSimulator.ReferenceRule, Severity.Error, "install-order",
            "Every Secret, ConfigMap, ServiceAccount, StorageClass, PriorityClass and claim an object names exists by then, or is in the secrets inventory; "
            + "every Service and port a route sends to exists."),
        new(BringUpSimulator.ScheduleRule, Severity.Error, "install-order", "Every pod fits a node pool: selectors, affinity, taints and tolerations, requests against the pool's size."),
        new(BringUpSimulator.VolumeRule, Severity.Error, "ha-data", "Every volume can attach where its pod lands: the CSI node plugin runs there."),
        new(BringUpSimulator.HealthRule, Severity.Error, "install-order",
            "Nothing keeps an Application from Healthy: no LoadBalancer nothing provides, no claim without a storage class when none is the default."),
        new(BringUpSimulator.AdmissionRule, Severity.Error, "tenancy", "Pod Security admission and the Kyverno policies in Enforce admit every pod."),
        new(BringUpSimulator.PolicyRule, Severity.Error, "supply-chain", "Kyverno accepts every policy (no auditing verifyImages rule that mutates digests)."),
        new(BringUpSimulator.SelfHealRule, Severity.Error, "gitops", "No replicas on a workload an autoscaler scales: self-heal would undo every scaling."),
        new(BringUpSimulator.OwnerRule, Severity.Error, "ownership", "No object is applied by two Applications."),
        new(BringUpSimulator.UndecidedRule, Severity.Warning, "install-order", "A kind nothing installs cannot be simulated: named, never a crash."),
        new(TreeRules.OwnerRule, Severity.Error, "ownership",
            "One writer per object: no object twice in the tree; Terraform declares what the model gives it, and creates no Kubernetes object."),
        new(PromiseRules.PostgresHaRule, Severity.Error, "ha-data", "The PostgreSQL cluster runs the spec's instances (at least two), on different nodes."),
        new(PromiseRules.BackupRule, Severity.Error, "ha-data", "The PostgreSQL cluster archives its WAL with barman-cloud, and a ScheduledBackup takes base backups."),
        new(PromiseRules.PoolingRule, Severity.Error, "pooling", "A Pooler fronts the cluster, in the spec's mode (transaction) with its instances."),
        new(PromiseRules.ExposureRule, Severity.Error, "public-https", "No Service is a LoadBalancer or NodePort outside Traefik's namespace."),
        new(PromiseRules.RouteTlsRule, Severity.Error, "public-https", "Every IngressRoute is served on websecure only, with TLS."),
        new(TreeRules.SsoRule, Severity.Error, "sso", "Every SSO route passes Authentik's forward-auth middleware, and the middleware asks Authentik."),
        new(Reachability.Rule, Severity.Error, "zero-trust", "The policies allow exactly the model's flows between workloads: no leak, no intended flow blocked."),
        new(Reachability.DefaultDenyRule, Severity.Error, "zero-trust", "Every namespace is default-deny."),
        new(Reachability.PeerRule, Severity.Error, "zero-trust",
            "The world, the API server and the nodes are reached only as the model says: declared hosts open, nothing else."),
        new(Reachability.EgressRule, Severity.Error, "egress", "Every app that reaches the world does so through an egress gateway."),
        new(ChartVerifier.PodLabelRule, Severity.Error, "zero-trust", "The pod labels a part's policies select are on a pod its chart really runs."),
        new(ChartVerifier.PortRule, Severity.Error, "zero-trust", "Routes and scrapes go to ports the Services and containers really have."),
        new(SupplyChain.SignatureRule, Severity.Error, "supply-chain", "Every app-zone image is covered by a verifyImages rule, or pinned by digest."),
        new(SupplyChain.RegistryRule, Severity.Error, "supply-chain", "Every app-zone image comes from an allowed registry."),
        new(PromiseRules.ChartPinRule, Severity.Error, "supply-chain", "Every chart is installed at one exact version."),
        new(PromiseRules.ImagePinRule, Severity.Error, "supply-chain", "Every image has a tag other than latest, or a digest (a chart's own image: a warning)."),
        new(TreeRules.WorkloadRule, Severity.Error, "tenancy", "Helix's workloads are hardened: requests and memory limits, probes, non-root, no privilege escalation."),
        new(PromiseRules.TenantProjectRule, Severity.Error, "tenancy",
            "A tenant's project deploys only to its namespace, creates nothing cluster-scoped, and cannot change its quota or policies."),
        new(PromiseRules.TenantRbacRule, Severity.Error, "tenancy", "No tenant is bound to a cluster-wide role, or to cluster-admin in its namespace."),
        new(PromiseRules.PodSecurityRule, Severity.Error, "tenancy", "Every namespace keeps the Pod Security level the platform gives it."),
        new(PromiseRules.HostAccessRule, Severity.Error, "tenancy", "Host network, PID, IPC, host paths and privileged containers only in the namespaces that need them."),
        new(PromiseRules.StaticKeysRule, Severity.Error, "identity",
            "No AWS access key in a Secret, an env variable, a Route 53 solver or a backup object store, and no IAM user key in Terraform: workloads assume roles."),
        new(InfraVerifier.TalosRule, Severity.Error, "infra", "Every Talos patch matches the Talos machine-config schema."),
        new(InfraVerifier.TerraformRule, Severity.Error, "infra", "Terraform JSON is one object of Terraform blocks, every output has a value, every reference is declared."),
        new(InfraVerifier.SecretRule, Severity.Error, "infra", "No secret as a literal in Terraform, and every variable holding one is sensitive."),
        new(InfraHardening.ExposureRule, Severity.Error, "infra",
            "The Kubernetes and Talos APIs are never open to the internet: no firewall rule lets the world in on them, their load balancer has no public interface."),
        new(InfraHardening.BucketRule, Severity.Error, "infra", "Every bucket is blocked from public access, encrypted with the platform's KMS key, and versioned."),
        new(InfraHardening.StateRule, Severity.Error, "infra", "Terraform's state is encrypted with the platform's KMS key."),
        new(InfraHardening.TalosNetworkRule, Severity.Error, "infra", "The kubelet, and etcd on the control plane, are pinned to the private network."),
        new(InfraHardening.TalosProviderRule, Severity.Error, "infra", "The Talos provider is built on the cluster's Talos minor version."),
    ];

    /// <summary>How each promise is broken, as an attacker or a tired operator would break it, and what catches it.</summary>
    public static IReadOnlyList<Breach> Breaches { get; } =
    [
        new("gitops", "a typo in a chart's values (Helm ignores it and keeps the default)", ChartVerifier.ValuesRule),
        new("gitops", "values a chart refuses, or output nothing can read", ChartVerifier.RenderRule),
        new("gitops", "a chart whose output Helix cannot read to the end", ChartVerifier.OutputRule),
        new("gitops", "a chart pinned to a version not fetched", ChartVerifier.MissingRule),
        new("gitops", "a field the API does not have, a required one missing, a removed API version", TreeVerifier.CoreRule),
        new("gitops", "a custom resource its CRD refuses", CrdSchemas.Rule),
        new("gitops", "a number or boolean where a name belongs (name: no, 1e3, 0755)", TreeVerifier.ObjectRule),
        new("gitops", "broken YAML, nesting past 64, .inf or .nan", TreeVerifier.YamlRule),
        new("gitops", "replicas pinned on a workload an autoscaler scales", BringUpSimulator.SelfHealRule),
        new("install-order", "an Application synced no later than what it depends on", TreeRules.WaveRule),
        new("install-order", "a chart's monitors before the monitoring CRDs, by hand or in a wave", BringUpSimulator.CrdRule),
        new("install-order", "the same, verified without the spec", ChartVerifier.CrdOrderRule),
        new("install-order", "a namespace nobody creates", BringUpSimulator.NamespaceRule),
        new("install-order", "a Secret, ConfigMap or storage class nobody creates", BringUpSimulator.ReferenceRule),
        new("install-order", "a destination the project does not permit", BringUpSimulator.ProjectRule),
        new("install-order", "a pod no node pool takes: a taint not tolerated, a request larger than the nodes", BringUpSimulator.ScheduleRule),
        new("install-order", "a LoadBalancer Service nothing provides, a claim that binds to no storage class", BringUpSimulator.HealthRule),
        new("install-order", "an object of a kind nothing installs", BringUpSimulator.UndecidedRule),
        new("ownership", "the same object in two files, or Terraform creating a Kubernetes object", TreeRules.OwnerRule),
        new("ownership", "the same object in two Applications", BringUpSimulator.OwnerRule),
        new("ha-data", "PostgreSQL cut to one instance, or its instances let share a node", PromiseRules.PostgresHaRule),
        new("ha-data", "the WAL archive or the scheduled backup removed", PromiseRules.BackupRule),
        new("ha-data", "the storage driver's node plugin kept off the db pool", BringUpSimulator.VolumeRule),
        new("pooling", "the pooler switched to session mode, or cut to one instance", PromiseRules.PoolingRule),
        new("public-https", "a Service made NodePort or LoadBalancer outside Traefik", PromiseRules.ExposureRule),
        new("public-https", "a route on the web entry point, or without tls", PromiseRules.RouteTlsRule),
        new("public-https", "the API load balancer's public interface turned on, a firewall rule opening the APIs", InfraHardening.ExposureRule),
        new("public-https", "a route to a Service, or a port, that does not exist", BringUpSimulator.ReferenceRule),
        new("sso", "a UI route without Authentik's middleware, or a middleware that does not ask Authentik", TreeRules.SsoRule),
        new("zero-trust", "a namespace without its default deny", Reachability.DefaultDenyRule),
        new("zero-trust", "a selector widened, a port added, a tenant let into another tenant or the database", Reachability.Rule),
        new("zero-trust", "an allow to the world, or a day-one host (KMS, chart downloads, OIDC) dropped", Reachability.PeerRule),
        new("zero-trust", "policies written for pod labels the chart's pods lack", ChartVerifier.PodLabelRule),
        new("zero-trust", "a route or scrape to a port the pods do not have", ChartVerifier.PortRule),
        new("egress", "an app reaching the world without its egress gateway", Reachability.EgressRule),
        new("supply-chain", "an image from a registry not allowed", SupplyChain.RegistryRule),
        new("supply-chain", "an app-zone image no verifyImages rule covers", SupplyChain.SignatureRule),
        new("supply-chain", "a chart version range, or a branch", PromiseRules.ChartPinRule),
        new("supply-chain", "an image by latest, or by no tag", PromiseRules.ImagePinRule),
        new("supply-chain", "a Secret committed in plain text", TreeVerifier.SecretRule),
        new("supply-chain", "an auditing verifyImages rule that mutates digests", BringUpSimulator.PolicyRule),
        new("tenancy", "a tenant's project widened: other namespaces, cluster-scoped kinds, its own quota or policies, any repository", PromiseRules.TenantProjectRule),
        new("tenancy", "a tenant bound to a cluster-wide role, or to cluster-admin", PromiseRules.TenantRbacRule),
        new("tenancy", "a namespace's Pod Security lowered", PromiseRules.PodSecurityRule),
        new("tenancy", "a workload on the host network or host paths, or privileged, where no host access is granted", PromiseRules.HostAccessRule),
        new("tenancy", "a pod Pod Security or an enforced Kyverno policy refuses", BringUpSimulator.AdmissionRule),
        new("tenancy", "a Helix workload without limits or probes, or running as root", TreeRules.WorkloadRule),
        new("identity", "an access key handed to cert-manager, the backups or a pod; an IAM user key made in Terraform", PromiseRules.StaticKeysRule),
        new("infra", "a Talos patch with a field Talos does not have", InfraVerifier.TalosRule),
        new("infra", "a reference to an undeclared resource, a block that is not Terraform", InfraVerifier.TerraformRule),
        new("infra", "a token written into Terraform, a secret variable not sensitive", InfraVerifier.SecretRule),
        new("infra", "a bucket made public, unencrypted or unversioned", InfraHardening.BucketRule),
        new("infra", "the state backend left on S3's own key", InfraHardening.StateRule),
        new("infra", "a node left free to advertise its public address to the cluster or to etcd", InfraHardening.TalosNetworkRule),
        new("infra", "a Talos provider older than the cluster's Talos, which cannot read its config documents", InfraHardening.TalosProviderRule),
    ];
}
