using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Helix.Platform.Output;

// Typed records for the custom resources Helix renders: only the fields Helix sets, named and
// nested as each CRD defines them (checked against the embedded CRD schemas by the tests and by
// `helix verify`). Core kinds use KubernetesClient's models instead.

/// <summary>A custom resource: the envelope every CRD object shares.</summary>
internal sealed record Resource<TSpec>(string ApiVersion, string Kind, V1ObjectMeta Metadata, TSpec Spec);

/// <summary>A reference to one key of a Secret, as CRDs spell it.</summary>
internal sealed record SecretKeyRef(string Name, string Key);

internal sealed record NameRef(string Name);

// Argo CD (argoproj.io/v1alpha1)

internal sealed record ApplicationSpec(
    string Project,
    ApplicationDestination Destination,
    IReadOnlyList<ApplicationSource>? Sources,
    ApplicationSource? Source,
    SyncPolicy SyncPolicy,
    IReadOnlyList<IgnoreDifference>? IgnoreDifferences = null);

internal sealed record ApplicationDestination(string Server, string? Namespace);

internal sealed record ApplicationSource(
    [property: JsonPropertyName("repoURL")] string RepoUrl,
    string TargetRevision,
    string? Chart = null,
    string? Path = null,
    HelmSource? Helm = null,
    DirectorySource? Directory = null,
    PluginSource? Plugin = null);

internal sealed record HelmSource(string ReleaseName, JsonObject ValuesObject);

internal sealed record DirectorySource(bool Recurse, string? Include = null);

internal sealed record PluginSource(string Name, IReadOnlyList<PluginParameter>? Parameters = null);

internal sealed record PluginParameter(string Name, string String);

internal sealed record SyncPolicy(AutomatedSync Automated, IReadOnlyList<string> SyncOptions, SyncRetry Retry, ManagedNamespaceMetadata? ManagedNamespaceMetadata = null);

internal sealed record AutomatedSync(bool Prune, bool SelfHeal);

internal sealed record SyncRetry(int Limit, RetryBackoff Backoff);

internal sealed record RetryBackoff(string Duration, int Factor, string MaxDuration);

internal sealed record ManagedNamespaceMetadata(IReadOnlyDictionary<string, string> Labels);

internal sealed record IgnoreDifference(string Group, string Kind, IReadOnlyList<string> JsonPointers, string? Name = null);

internal sealed record AppProjectSpec(
    string Description,
    IReadOnlyList<string> SourceRepos,
    IReadOnlyList<ApplicationDestination> Destinations,
    IReadOnlyList<GroupKind> ClusterResourceWhitelist,
    IReadOnlyList<GroupKind>? NamespaceResourceBlacklist = null,
    IReadOnlyList<string>? SourceNamespaces = null);

internal sealed record GroupKind(string Group, string Kind);

// CloudNativePG (postgresql.cnpg.io/v1) and its Barman Cloud plugin (barmancloud.cnpg.io/v1)

internal sealed record CnpgClusterSpec(
    int Instances,
    string ImageName,
    CnpgStorage Storage,
    CnpgAffinity Affinity,
    CnpgPostgresConfiguration Postgresql,
    CnpgBootstrap Bootstrap,
    CnpgManaged Managed,
    IReadOnlyList<CnpgPlugin> Plugins,
    CnpgMonitoring Monitoring,
    V1ResourceRequirements Resources,
    V1ProjectedVolumeSource ProjectedVolumeTemplate);

internal sealed record CnpgStorage(string Size, string StorageClass);

internal sealed record CnpgAffinity(
    bool EnablePodAntiAffinity,
    string PodAntiAffinityType,
    string TopologyKey,
    IReadOnlyDictionary<string, string> NodeSelector,
    IReadOnlyList<V1Toleration> Tolerations);

internal sealed record CnpgPostgresConfiguration(IReadOnlyDictionary<string, string> Parameters);

internal sealed record CnpgBootstrap(CnpgInitDb Initdb);

internal sealed record CnpgInitDb(string Database, string Owner);

internal sealed record CnpgManaged(IReadOnlyList<CnpgRole> Roles);

internal sealed record CnpgRole(string Name, string Ensure, bool Login, NameRef PasswordSecret);

internal sealed record CnpgPlugin(string Name, bool IsWALArchiver, IReadOnlyDictionary<string, string> Parameters);

internal sealed record CnpgMonitoring(bool EnablePodMonitor);

internal sealed record CnpgDatabaseSpec(string Name, string Owner, NameRef Cluster, string Ensure);

internal sealed record CnpgPoolerSpec(NameRef Cluster, int Instances, string Type, PgBouncerSpec Pgbouncer, CnpgMonitoring Monitoring, V1PodTemplateSpec Template);

internal sealed record PgBouncerSpec(string PoolMode, IReadOnlyDictionary<string, string> Parameters);

internal sealed record ScheduledBackupSpec(string Schedule, bool Immediate, string BackupOwnerReference, NameRef Cluster, string Method, NameRef PluginConfiguration);

internal sealed record ObjectStoreSpec(string RetentionPolicy, ObjectStoreConfiguration Configuration, ObjectStoreSidecar InstanceSidecarConfiguration);

internal sealed record ObjectStoreSidecar(IReadOnlyList<V1EnvVar> Env);

internal sealed record ObjectStoreConfiguration(string DestinationPath, S3Credentials S3Credentials, CompressionSettings Wal, CompressionSettings Data);

internal sealed record S3Credentials([property: JsonPropertyName("inheritFromIAMRole")] bool InheritFromIAMRole);

internal sealed record CompressionSettings(string Compression);

// Traefik (traefik.io/v1alpha1)

internal sealed record IngressRouteSpec(IReadOnlyList<string> EntryPoints, IReadOnlyList<TraefikRoute> Routes, TraefikTls Tls);

internal sealed record TraefikRoute(string Match, string Kind, IReadOnlyList<TraefikService> Services, IReadOnlyList<TraefikMiddlewareRef>? Middlewares = null, int? Priority = null);

internal sealed record TraefikService(string Name, string Namespace, int Port);

internal sealed record TraefikMiddlewareRef(string Name, string Namespace);

internal sealed record TraefikTls(string SecretName);

internal sealed record MiddlewareSpec(ForwardAuth? ForwardAuth = null, TraefikHeaders? Headers = null);

internal sealed record ForwardAuth(string Address, bool TrustForwardHeader, IReadOnlyList<string> AuthResponseHeaders);

internal sealed record TraefikHeaders(bool StsIncludeSubdomains, long StsSeconds, bool ContentTypeNosniff, string ReferrerPolicy, bool FrameDeny);

// cert-manager (cert-manager.io/v1)

internal sealed record ClusterIssuerSpec(AcmeIssuer Acme);

internal sealed record AcmeIssuer(string Email, string Server, NameRef PrivateKeySecretRef, IReadOnlyList<AcmeSolver> Solvers);

internal sealed record AcmeSolver(AcmeDns01 Dns01);

internal sealed record AcmeDns01(Route53Solver Route53);

internal sealed record Route53Solver(string Region, string Role, Route53Auth Auth);

internal sealed record Route53Auth(Route53Kubernetes Kubernetes);

internal sealed record Route53Kubernetes(Route53ServiceAccount ServiceAccountRef);

internal sealed record Route53ServiceAccount(string Name, IReadOnlyList<string> Audiences);

internal sealed record CertificateSpec(string SecretName, IssuerRef IssuerRef, IReadOnlyList<string> DnsNames, CertificatePrivateKey PrivateKey);

internal sealed record IssuerRef(string Name, string Kind, string Group);

internal sealed record CertificatePrivateKey(string Algorithm, string RotationPolicy);

// Prometheus Operator (monitoring.coreos.com/v1)

internal sealed record PrometheusRuleSpec(IReadOnlyList<AlertRuleGroup> Groups);

internal sealed record AlertRuleGroup(string Name, IReadOnlyList<AlertRule> Rules);

internal sealed record AlertRule(string Alert, string Expr, string For, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

internal sealed record PodMonitorSpec(V1LabelSelector Selector, IReadOnlyList<PodMetricsEndpoint> PodMetricsEndpoints);

internal sealed record PodMetricsEndpoint(string Port, string Path, string Interval);

internal sealed record ServiceMonitorSpec(V1LabelSelector Selector, IReadOnlyList<MonitorEndpoint> Endpoints);

internal sealed record MonitorEndpoint(string Port, string Path, string Interval);

// Cilium (cilium.io/v2)

internal sealed record CiliumPolicySpec(
    string Description,
    CiliumSelector EndpointSelector,
    CiliumDefaultDeny? EnableDefaultDeny,
    IReadOnlyList<CiliumIngressRule>? Ingress,
    IReadOnlyList<CiliumEgressRule>? Egress);

/// <summary>An endpoint selector: pod labels, <c>k8s:io.kubernetes.pod.namespace</c> for the namespace.</summary>
internal sealed record CiliumSelector(IReadOnlyDictionary<string, string>? MatchLabels = null, IReadOnlyList<V1LabelSelectorRequirement>? MatchExpressions = null);

internal sealed record CiliumDefaultDeny(bool Ingress, bool Egress);

internal sealed record CiliumIngressRule(IReadOnlyList<CiliumSelector>? FromEndpoints = null, IReadOnlyList<string>? FromEntities = null, IReadOnlyList<CiliumPortRule>? ToPorts = null);

internal sealed record CiliumEgressRule(
    IReadOnlyList<CiliumSelector>? ToEndpoints = null,
    IReadOnlyList<string>? ToEntities = null,
    [property: JsonPropertyName("toFQDNs")] IReadOnlyList<CiliumFqdn>? ToFqdns = null,
    IReadOnlyList<CiliumPortRule>? ToPorts = null);

internal sealed record CiliumPortRule(IReadOnlyList<CiliumPort> Ports, CiliumL7Rules? Rules = null);

internal sealed record CiliumPort(string Port, string Protocol);

internal sealed record CiliumL7Rules(IReadOnlyList<CiliumFqdn> Dns);

/// <summary>A DNS name: exact (<c>matchName</c>) or with <c>*</c> wildcards (<c>matchPattern</c>).</summary>
internal sealed record CiliumFqdn(string? MatchName = null, string? MatchPattern = null);

internal sealed record EgressGatewayPolicySpec(
    IReadOnlyList<EgressSelector> Selectors,
    [property: JsonPropertyName("destinationCIDRs")] IReadOnlyList<string> DestinationCidrs,
    [property: JsonPropertyName("excludedCIDRs")] IReadOnlyList<string> ExcludedCidrs,
    EgressGateway EgressGateway);

internal sealed record EgressSelector(V1LabelSelector PodSelector, V1LabelSelector NamespaceSelector);

internal sealed record EgressGateway(V1LabelSelector NodeSelector, [property: JsonPropertyName("egressIP")] string EgressIp);

// Kyverno (kyverno.io/v1)

internal sealed record ClusterPolicySpec(bool Background, int WebhookTimeoutSeconds, IReadOnlyList<KyvernoRule> Rules);

internal sealed record KyvernoRule(string Name, KyvernoMatch Match, IReadOnlyList<VerifyImages>? VerifyImages = null, KyvernoValidate? Validate = null);

internal sealed record KyvernoMatch(IReadOnlyList<KyvernoFilter> Any);

internal sealed record KyvernoFilter(KyvernoResources Resources);

internal sealed record KyvernoResources(IReadOnlyList<string> Kinds, IReadOnlyList<string> Namespaces);

internal sealed record VerifyImages(IReadOnlyList<string> ImageReferences, string FailureAction, bool MutateDigest, bool VerifyDigest, bool Required, IReadOnlyList<Attestor> Attestors);

internal sealed record Attestor(IReadOnlyList<AttestorEntry> Entries);

internal sealed record AttestorEntry(KeylessAttestor Keyless);

internal sealed record KeylessAttestor(string Subject, string Issuer, RekorLog Rekor);

internal sealed record RekorLog(string Url);

internal sealed record KyvernoValidate(string FailureAction, string Message, JsonObject? Pattern = null, PodSecurityCheck? PodSecurity = null);

internal sealed record PodSecurityCheck(string Level, string Version);
