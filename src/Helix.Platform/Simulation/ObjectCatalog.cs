using System.Text.Json;
using System.Text.Json.Nodes;

namespace Helix.Platform.Simulation;

/// <summary>
/// Objects by what others look them up by, each with who provides it: what the cluster holds so
/// far, or what one Application's sync brings.
/// </summary>
internal sealed class ObjectCatalog
{
    /// <summary>Longhorn's CSI driver: its node plugin runs where longhorn-manager runs and the <c>taint-toleration</c> setting tolerates.</summary>
    public const string LonghornDriver = "driver.longhorn.io";

    private readonly Dictionary<(string Group, string Kind), string> _crds = [];
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podSecurity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AppProjectRules> _projects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _storageClasses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _servicePorts = new(StringComparer.Ordinal);
    private readonly List<(KubeObject Policy, string By)> _policies = [];
    private KubeObject? _longhornManager;
    private string? _longhornTolerations;

    public string? DefaultStorageClass { get; private set; }

    public bool LoadBalancers { get; private set; }

    public IReadOnlyList<(KubeObject Policy, string By)> Policies => _policies;

    public string? Crd(string group, string kind) => _crds.GetValueOrDefault((group, kind));

    public string? Namespace(string ns) => ApiScope.Namespaces.Contains(ns) ? "the cluster" : _namespaces.GetValueOrDefault(ns);

    public string? PodSecurity(string ns) => _podSecurity.GetValueOrDefault(ns);

    public AppProjectRules? Project(string name) => _projects.GetValueOrDefault(name);

    public string? StorageClass(string name) => _storageClasses.GetValueOrDefault(name);

    public string? ClaimClass(string ns, string claim) => _claims.GetValueOrDefault($"{ns}/{claim}");

    public bool HasClaim(string ns, string claim) => _claims.ContainsKey($"{ns}/{claim}");

    /// <summary>A Service's ports, by number and by name; null when the Service is not here.</summary>
    public IReadOnlySet<string>? ServicePorts(string ns, string name) => _servicePorts.GetValueOrDefault($"{ns}/{name}");

    public string? Find(Reference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.Kind switch
        {
            "ServiceAccount" when reference.Name == "default" => "the cluster",
            "PriorityClass" when ApiScope.PriorityClasses.Contains(reference.Name) => "the cluster",
            _ => _objects.GetValueOrDefault(reference.Key),
        };
    }

    /// <summary>A CRD a controller registers when it starts (Cilium's operator), not one in any manifest.</summary>
    public void ProvideCrd(string group, string kind, string by) => _crds.TryAdd((group, kind), by);

    public void Provide(Reference reference, string by)
    {
        ArgumentNullException.ThrowIfNull(reference);
        _objects.TryAdd(reference.Key, by);
    }

    /// <summary>The Application that tracks an object (hooks are nobody's).</summary>
    public string? Owner(Reference reference) => _owners.GetValueOrDefault(reference.Key);

    /// <summary>Takes in an object applied (or about to be) in namespace <paramref name="ns"/> by Application <paramref name="application"/>.</summary>
    public void Add(KubeObject o, string? ns, string by, string? application = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        var self = new Reference(o.Kind, ns, o.Name, "");
        Provide(self, by);
        if (application is not null && !o.IsHook)
        {
            _owners.TryAdd(self.Key, application);
        }
        foreach (var made in References.Makes(o, ns))
        {
            Provide(made, $"{by}, {made.Why}");
        }
        switch (o.Group, o.Kind)
        {
            case ("apiextensions.k8s.io", "CustomResourceDefinition")
                when KubeObject.Text(o.Json, "spec", "group") is { } group && KubeObject.Text(o.Json, "spec", "names", "kind") is { } kind:
                _crds.TryAdd((group, kind), by);
                break;
            case ("", "Namespace"):
                _namespaces.TryAdd(o.Name, by);
                if (o.Labels.GetValueOrDefault("pod-security.kubernetes.io/enforce") is { } level)
                {
                    _podSecurity[o.Name] = level;
                }
                break;
            case ("argoproj.io", "AppProject"):
                _projects.TryAdd(o.Name, new AppProjectRules(o));
                break;
            case ("storage.k8s.io", "StorageClass"):
                _storageClasses.TryAdd(o.Name, KubeObject.Text(o.Json, "provisioner") ?? "");
                if (o.Annotations.GetValueOrDefault("storageclass.kubernetes.io/is-default-class") == "true")
                {
                    DefaultStorageClass ??= o.Name;
                }
                break;
            case ("", "Service") when ns is not null:
                _servicePorts.TryAdd($"{ns}/{o.Name}", [.. KubeObject.Items(o.At("spec", "ports"))
                    .SelectMany(p => new[] { KubeObject.Element(p, "port")?.ToString(), KubeObject.Text(p, "name") }).OfType<string>()]);
                break;
            case ("", "PersistentVolumeClaim") when ns is not null:
                _claims.TryAdd($"{ns}/{o.Name}", KubeObject.Text(o.Json, "spec", "storageClassName"));
                break;
            case ("kyverno.io", "ClusterPolicy" or "Policy"):
                _policies.Add((o, by));
                break;
            case ("cilium.io", "CiliumLoadBalancerIPPool"):
                LoadBalancers = true;
                break;
            case ("apps", "DaemonSet") when o.Name == "longhorn-manager":
                _longhornManager = o;
                break;
            case ("", "ConfigMap") when o.Name == "longhorn-storageclass" && KubeObject.Text(o.Json, "data", "storageclass.yaml") is { } text:
                // longhorn-manager creates the StorageClass the chart hands it in this ConfigMap.
                using (var reader = new StringReader(text))
                {
                    foreach (var (document, _) in Verification.TreeVerifier.Documents(reader))
                    {
                        if (KubeObject.Text(document, "kind") == "StorageClass")
                        {
                            Add(new KubeObject(o.Source, document), null, $"{by}, longhorn-manager creates it");
                        }
                    }
                }
                break;
            case ("", "ConfigMap") when o.Name == "longhorn-default-setting":
                _longhornTolerations = (KubeObject.Text(o.Json, "data", "default-setting.yaml") ?? "").Split('\n')
                    .Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("taint-toleration:", StringComparison.Ordinal))?["taint-toleration:".Length..].Trim().Trim('"');
                break;
        }
    }

    /// <summary>
    /// The pools where a CSI driver's node plugin runs; null when this catalog does not hold the driver
    /// (or the simulation does not know it). Longhorn's driver deployer starts the plugin beside
    /// longhorn-manager, with the tolerations of the <c>taint-toleration</c> setting.
    /// </summary>
    public IReadOnlyList<string>? NodePluginPools(string provisioner, IReadOnlyList<NodePool> pools)
    {
        if (provisioner != LonghornDriver || _longhornManager is null || PodShape.Of(_longhornManager, null) is not { } manager)
        {
            return null;
        }
        var setting = SettingTolerations(_longhornTolerations ?? "");
        var plugin = manager with { Tolerations = setting };
        return [.. pools.Where(p => p.Refuses(manager) is null && p.Refuses(plugin) is null).Select(p => p.Name)];
    }

    // Longhorn's setting: "key1=value1:NoSchedule; key2:NoExecute".
    private static IReadOnlyList<JsonElement> SettingTolerations(string setting) =>
        [.. setting.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
        {
            var (keyValue, effect) = entry.LastIndexOf(':') is var colon and >= 0 ? (entry[..colon], entry[(colon + 1)..]) : (entry, "");
            var toleration = new JsonObject();
            if (keyValue.Split('=', 2) is [var key, var value])
            {
                toleration["key"] = key;
                toleration["operator"] = "Equal";
                toleration["value"] = value;
            }
            else
            {
                toleration["key"] = keyValue;
                toleration["operator"] = "Exists";
            }
            if (effect.Length > 0)
            {
                toleration["effect"] = effect;
            }
            return JsonSerializer.SerializeToElement(toleration);
        })];
}
