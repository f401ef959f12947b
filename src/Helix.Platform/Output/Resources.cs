using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Helix.Platform.Output;

// Typed records for the custom resources Helix renders: only the fields Helix sets, named and
// nested as each CRD defines them (checked against the embedded CRD schemas by the tests and by
// `helix verify`). Core kinds use KubernetesClient's models instead.

/// <summary>A custom resource: the envelope every CRD object shares.</summary>
public sealed record Resource<TSpec>(string ApiVersion, string Kind, V1ObjectMeta Metadata, TSpec Spec);

/// <summary>A reference to one key of a Secret, as CRDs spell it.</summary>
public sealed record SecretKeyRef(string Name, string Key);

public sealed record NameRef(string Name);

// Argo CD (argoproj.io/v1alpha1)

public sealed record ApplicationSpec(
    string Project,
    ApplicationDestination Destination,
    IReadOnlyList<ApplicationSource>? Sources,
    ApplicationSource? Source,
    SyncPolicy SyncPolicy,
    IReadOnlyList<IgnoreDifference>? IgnoreDifferences = null);

public sealed record ApplicationDestination(string Server, string? Namespace);

public sealed record ApplicationSource(
    [property: JsonPropertyName("repoURL")] string RepoUrl,
    string TargetRevision,
    string? Chart = null,
    string? Path = null,
    HelmSource? Helm = null,
    DirectorySource? Directory = null,
    PluginSource? Plugin = null);

public sealed record HelmSource(string ReleaseName, JsonObject ValuesObject);

public sealed record DirectorySource(bool Recurse, string? Include = null);

public sealed record PluginSource(string Name);

public sealed record SyncPolicy(AutomatedSync Automated, IReadOnlyList<string> SyncOptions, SyncRetry Retry, ManagedNamespaceMetadata? ManagedNamespaceMetadata = null);

public sealed record AutomatedSync(bool Prune, bool SelfHeal);

public sealed record SyncRetry(int Limit, RetryBackoff Backoff);

public sealed record RetryBackoff(string Duration, int Factor, string MaxDuration);

public sealed record ManagedNamespaceMetadata(IReadOnlyDictionary<string, string> Labels);

public sealed record IgnoreDifference(string Group, string Kind, IReadOnlyList<string> JsonPointers, string? Name = null);

public sealed record AppProjectSpec(
    string Description,
    IReadOnlyList<string> SourceRepos,
    IReadOnlyList<ApplicationDestination> Destinations,
    IReadOnlyList<GroupKind> ClusterResourceWhitelist,
    IReadOnlyList<GroupKind>? NamespaceResourceBlacklist = null,
    IReadOnlyList<string>? SourceNamespaces = null);

public sealed record GroupKind(string Group, string Kind);

// CloudNativePG (postgresql.cnpg.io/v1) and its Barman Cloud plugin (barmancloud.cnpg.io/v1)

public sealed record CnpgClusterSpec(
    int Instances,
    string ImageName,
    CnpgStorage Storage,
    CnpgAffinity Affinity,
    CnpgPostgresConfiguration Postgresql,
    CnpgBootstrap Bootstrap,
    CnpgManaged Managed,
    IReadOnlyList<CnpgPlugin> Plugins,
    CnpgMonitoring Monitoring,
    V1ResourceRequirements Resources);

public sealed record CnpgStorage(string Size, string StorageClass);

public sealed record CnpgAffinity(
    bool EnablePodAntiAffinity,
    string PodAntiAffinityType,
    string TopologyKey,
    IReadOnlyDictionary<string, string> NodeSelector,
    IReadOnlyList<V1Toleration> Tolerations);

public sealed record CnpgPostgresConfiguration(IReadOnlyDictionary<string, string> Parameters);

public sealed record CnpgBootstrap(CnpgInitDb Initdb);

public sealed record CnpgInitDb(string Database, string Owner);

public sealed record CnpgManaged(IReadOnlyList<CnpgRole> Roles);

public sealed record CnpgRole(string Name, string Ensure, bool Login, NameRef PasswordSecret);

public sealed record CnpgPlugin(string Name, bool IsWALArchiver, IReadOnlyDictionary<string, string> Parameters);

public sealed record CnpgMonitoring(bool EnablePodMonitor);

public sealed record CnpgDatabaseSpec(string Name, string Owner, NameRef Cluster, string Ensure);

public sealed record CnpgPoolerSpec(NameRef Cluster, int Instances, string Type, PgBouncerSpec Pgbouncer, CnpgMonitoring Monitoring, V1PodTemplateSpec Template);

public sealed record PgBouncerSpec(string PoolMode, IReadOnlyDictionary<string, string> Parameters);

public sealed record ScheduledBackupSpec(string Schedule, bool Immediate, string BackupOwnerReference, NameRef Cluster, string Method, NameRef PluginConfiguration);

public sealed record ObjectStoreSpec(string RetentionPolicy, ObjectStoreConfiguration Configuration);

public sealed record ObjectStoreConfiguration(string DestinationPath, S3Credentials S3Credentials, CompressionSettings Wal, CompressionSettings Data);

public sealed record S3Credentials(SecretKeyRef AccessKeyId, SecretKeyRef SecretAccessKey, SecretKeyRef Region);

public sealed record CompressionSettings(string Compression);

// Traefik (traefik.io/v1alpha1)

public sealed record IngressRouteSpec(IReadOnlyList<string> EntryPoints, IReadOnlyList<TraefikRoute> Routes, TraefikTls Tls);

public sealed record TraefikRoute(string Match, string Kind, IReadOnlyList<TraefikService> Services, IReadOnlyList<TraefikMiddlewareRef>? Middlewares = null, int? Priority = null);

public sealed record TraefikService(string Name, string Namespace, int Port);

public sealed record TraefikMiddlewareRef(string Name, string Namespace);

public sealed record TraefikTls(string SecretName);

public sealed record MiddlewareSpec(ForwardAuth? ForwardAuth = null, TraefikHeaders? Headers = null);

public sealed record ForwardAuth(string Address, bool TrustForwardHeader, IReadOnlyList<string> AuthResponseHeaders);

public sealed record TraefikHeaders(bool StsIncludeSubdomains, long StsSeconds, bool ContentTypeNosniff, string ReferrerPolicy, bool FrameDeny);

// cert-manager (cert-manager.io/v1)

public sealed record ClusterIssuerSpec(AcmeIssuer Acme);

public sealed record AcmeIssuer(string Email, string Server, NameRef PrivateKeySecretRef, IReadOnlyList<AcmeSolver> Solvers);

public sealed record AcmeSolver(AcmeDns01 Dns01);

public sealed record AcmeDns01(Route53Solver Route53);

public sealed record Route53Solver(string Region, [property: JsonPropertyName("accessKeyIDSecretRef")] SecretKeyRef AccessKeyIdSecretRef, SecretKeyRef SecretAccessKeySecretRef);

public sealed record CertificateSpec(string SecretName, IssuerRef IssuerRef, IReadOnlyList<string> DnsNames, CertificatePrivateKey PrivateKey);

public sealed record IssuerRef(string Name, string Kind, string Group);

public sealed record CertificatePrivateKey(string Algorithm, string RotationPolicy);

// Prometheus Operator (monitoring.coreos.com/v1)

public sealed record ServiceMonitorSpec(V1LabelSelector Selector, IReadOnlyList<MonitorEndpoint> Endpoints);

public sealed record MonitorEndpoint(string Port, string Path, string Interval);

// Cilium (cilium.io/v2)

public sealed record CiliumPolicySpec(
    string Description,
    CiliumSelector EndpointSelector,
    CiliumDefaultDeny? EnableDefaultDeny,
    IReadOnlyList<CiliumIngressRule>? Ingress,
    IReadOnlyList<CiliumEgressRule>? Egress);

/// <summary>An endpoint selector: pod labels, <c>k8s:io.kubernetes.pod.namespace</c> for the namespace.</summary>
public sealed record CiliumSelector(IReadOnlyDictionary<string, string>? MatchLabels = null, IReadOnlyList<V1LabelSelectorRequirement>? MatchExpressions = null);

public sealed record CiliumDefaultDeny(bool Ingress, bool Egress);

public sealed record CiliumIngressRule(IReadOnlyList<CiliumSelector>? FromEndpoints = null, IReadOnlyList<string>? FromEntities = null, IReadOnlyList<CiliumPortRule>? ToPorts = null);

public sealed record CiliumEgressRule(
    IReadOnlyList<CiliumSelector>? ToEndpoints = null,
    IReadOnlyList<string>? ToEntities = null,
    [property: JsonPropertyName("toFQDNs")] IReadOnlyList<CiliumFqdn>? ToFqdns = null,
    IReadOnlyList<CiliumPortRule>? ToPorts = null);

public sealed record CiliumPortRule(IReadOnlyList<CiliumPort> Ports, CiliumL7Rules? Rules = null);

public sealed record CiliumPort(string Port, string Protocol);

public sealed record CiliumL7Rules(IReadOnlyList<CiliumFqdn> Dns);

/// <summary>A DNS name: exact (<c>matchName</c>) or with <c>*</c> wildcards (<c>matchPattern</c>).</summary>
public sealed record CiliumFqdn(string? MatchName = null, string? MatchPattern = null);

public sealed record EgressGatewayPolicySpec(
    IReadOnlyList<EgressSelector> Selectors,
    [property: JsonPropertyName("destinationCIDRs")] IReadOnlyList<string> DestinationCidrs,
    [property: JsonPropertyName("excludedCIDRs")] IReadOnlyList<string> ExcludedCidrs,
    EgressGateway EgressGateway);

public sealed record EgressSelector(V1LabelSelector PodSelector, V1LabelSelector NamespaceSelector);

public sealed record EgressGateway(V1LabelSelector NodeSelector, [property: JsonPropertyName("egressIP")] string EgressIp);

// Kyverno (kyverno.io/v1)

public sealed record ClusterPolicySpec(bool Background, int WebhookTimeoutSeconds, IReadOnlyList<KyvernoRule> Rules);

public sealed record KyvernoRule(string Name, KyvernoMatch Match, IReadOnlyList<VerifyImages>? VerifyImages = null, KyvernoValidate? Validate = null);

public sealed record KyvernoMatch(IReadOnlyList<KyvernoFilter> Any);

public sealed record KyvernoFilter(KyvernoResources Resources);

public sealed record KyvernoResources(IReadOnlyList<string> Kinds, IReadOnlyList<string> Namespaces);

public sealed record VerifyImages(IReadOnlyList<string> ImageReferences, string FailureAction, bool MutateDigest, bool VerifyDigest, bool Required, IReadOnlyList<Attestor> Attestors);

public sealed record Attestor(IReadOnlyList<AttestorEntry> Entries);

public sealed record AttestorEntry(KeylessAttestor Keyless);

public sealed record KeylessAttestor(string Subject, string Issuer, RekorLog Rekor);

public sealed record RekorLog(string Url);

public sealed record KyvernoValidate(string FailureAction, string Message, JsonObject? Pattern = null, PodSecurityCheck? PodSecurity = null);

public sealed record PodSecurityCheck(string Level, string Version);
