using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>An object another object needs by name: <c>Kind/namespace/name</c> (no namespace for cluster-scoped kinds).</summary>
internal sealed record Reference(string Kind, string? Namespace, string Name, string Why)
{
    public string Key => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>
/// What an object needs by name before it can run, and what it makes that others need: pods mount
/// Secrets and ConfigMaps, run as a ServiceAccount, claim volumes of a StorageClass; a Certificate
/// makes its Secret; a CloudNativePG cluster makes its role and CA Secrets.
/// </summary>
internal static class References
{
    private static readonly string[] ContainerFields = ["containers", "initContainers"];

    /// <summary>Everything <paramref name="o"/> (whose namespace is <paramref name="ns"/>) needs to exist, optional references left out.</summary>
    public static IEnumerable<Reference> Needs(KubeObject o, string? ns, PodShape? pods)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (pods?.Spec is { } pod && ns is not null)
        {
            foreach (var reference in PodNeeds(pod, ns))
            {
                yield return reference;
            }
        }
        foreach (var claim in pods?.Claims.Where(c => c.StorageClass is not null) ?? [])
        {
            yield return new Reference("StorageClass", null, claim.StorageClass!, $"volume {claim.Name}");
        }
        if (o.Kind == "PersistentVolumeClaim" && KubeObject.Text(o.Json, "spec", "storageClassName") is { Length: > 0 } storageClass)
        {
            yield return new Reference("StorageClass", null, storageClass, "its storage class");
        }
        // An Application's chart values are checked through the chart's output instead.
        if (Verification.TreeVerifier.IsCustomResource(o.Group) && o.Group != "argoproj.io" && ns is not null)
        {
            foreach (var (name, why) in SecretNames(o.Json, "spec"))
            {
                yield return new Reference("Secret", ns, name, why);
            }
        }
    }

    private static IEnumerable<Reference> PodNeeds(JsonElement pod, string ns)
    {
        var account = KubeObject.Text(pod, "serviceAccountName") ?? KubeObject.Text(pod, "serviceAccount") ?? "default";
        if (account != "default")
        {
            yield return new Reference("ServiceAccount", ns, account, "its pods' service account");
        }
        if (KubeObject.Text(pod, "priorityClassName") is { Length: > 0 } priority && !ApiScope.PriorityClasses.Contains(priority))
        {
            yield return new Reference("PriorityClass", null, priority, "its pods' priority");
        }
        foreach (var secret in KubeObject.Items(KubeObject.Element(pod, "imagePullSecrets")).Select(s => KubeObject.Text(s, "name")).OfType<string>())
        {
            yield return new Reference("Secret", ns, secret, "image pull secret");
        }
        foreach (var volume in KubeObject.Items(KubeObject.Element(pod, "volumes")))
        {
            var name = KubeObject.Text(volume, "name") ?? "?";
            if (Required(volume, "secret") && KubeObject.Text(volume, "secret", "secretName") is { } secret)
            {
                yield return new Reference("Secret", ns, secret, $"volume {name}");
            }
            if (Required(volume, "configMap") && KubeObject.Text(volume, "configMap", "name") is { } map && map != ApiScope.RootCaConfigMap)
            {
                yield return new Reference("ConfigMap", ns, map, $"volume {name}");
            }
            if (KubeObject.Text(volume, "persistentVolumeClaim", "claimName") is { } claim)
            {
                yield return new Reference("PersistentVolumeClaim", ns, claim, $"volume {name}");
            }
            foreach (var source in KubeObject.Items(KubeObject.Element(volume, "projected", "sources")))
            {
                if (Required(source, "secret") && KubeObject.Text(source, "secret", "name") is { } s)
                {
                    yield return new Reference("Secret", ns, s, $"volume {name}");
                }
                if (Required(source, "configMap") && KubeObject.Text(source, "configMap", "name") is { } c && c != ApiScope.RootCaConfigMap)
                {
                    yield return new Reference("ConfigMap", ns, c, $"volume {name}");
                }
            }
        }
        foreach (var container in ContainerFields.SelectMany(f => KubeObject.Items(KubeObject.Element(pod, f))))
        {
            var name = KubeObject.Text(container, "name") ?? "?";
            foreach (var env in KubeObject.Items(KubeObject.Element(container, "env")))
            {
                if (Required(env, "valueFrom", "secretKeyRef") && KubeObject.Text(env, "valueFrom", "secretKeyRef", "name") is { } s)
                {
                    yield return new Reference("Secret", ns, s, $"container {name}, env {KubeObject.Text(env, "name")}");
                }
                if (Required(env, "valueFrom", "configMapKeyRef") && KubeObject.Text(env, "valueFrom", "configMapKeyRef", "name") is { } c)
                {
                    yield return new Reference("ConfigMap", ns, c, $"container {name}, env {KubeObject.Text(env, "name")}");
                }
            }
            foreach (var from in KubeObject.Items(KubeObject.Element(container, "envFrom")))
            {
                if (Required(from, "secretRef") && KubeObject.Text(from, "secretRef", "name") is { } s)
                {
                    yield return new Reference("Secret", ns, s, $"container {name}, envFrom");
                }
                if (Required(from, "configMapRef") && KubeObject.Text(from, "configMapRef", "name") is { } c)
                {
                    yield return new Reference("ConfigMap", ns, c, $"container {name}, envFrom");
                }
            }
        }
    }

    private static bool Required(JsonElement element, params string[] path) =>
        KubeObject.Element(element, path) is { ValueKind: JsonValueKind.Object } reference && !KubeObject.Flag(reference, "optional");

    /// <summary>
    /// The Secrets a custom resource names, by the conventions of the operators' APIs: a
    /// <c>*SecretRef</c> or <c>secretRef</c> or <c>passwordSecret</c> object's <c>name</c>, or a
    /// <c>secretName</c>. A key the controller writes itself (an ACME account's
    /// <c>privateKeySecretRef</c>, a Certificate's <c>secretName</c>) is what it makes, not what it needs.
    /// </summary>
    private static IEnumerable<(string Name, string Why)> SecretNames(JsonElement o, string path)
    {
        if (o.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in o.EnumerateArray())
            {
                foreach (var found in SecretNames(item, path))
                {
                    yield return found;
                }
            }
            yield break;
        }
        if (o.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var property in o.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            if (property.Name is "privateKeySecretRef" || (property.Name == "secretName" && path == "spec"))
            {
                continue;
            }
            if ((property.Name.EndsWith("SecretRef", StringComparison.Ordinal) || property.Name is "secretRef" or "passwordSecret")
                && KubeObject.Text(property.Value, "name") is { Length: > 0 } name && !KubeObject.Flag(property.Value, "optional"))
            {
                yield return (name, at);
            }
            else if (property.Name == "secretName" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } secretName)
            {
                yield return (secretName, at);
            }
            else
            {
                foreach (var found in SecretNames(property.Value, at))
                {
                    yield return found;
                }
            }
        }
    }

    /// <summary>Objects a controller makes from <paramref name="o"/>, which others may need by name.</summary>
    public static IEnumerable<Reference> Makes(KubeObject o, string? ns)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (ns is null)
        {
            yield break;
        }
        switch (o.Group, o.Kind)
        {
            case ("cert-manager.io", "Certificate") when KubeObject.Text(o.Json, "spec", "secretName") is { } secret:
                yield return new Reference("Secret", ns, secret, "cert-manager issues it");
                break;
            case ("cert-manager.io", "Issuer" or "ClusterIssuer") when KubeObject.Text(o.Json, "spec", "acme", "privateKeySecretRef", "name") is { } account:
                yield return new Reference("Secret", ns, account, "cert-manager registers the ACME account");
                break;
            case (Components.Cnpg.Group, "Cluster"):
                // CloudNativePG writes the owner's credentials and the cluster's CAs (its documented secret names).
                foreach (var suffix in new[] { "app", "superuser", "ca", "server", "replication" })
                {
                    yield return new Reference("Secret", ns, $"{o.Name}-{suffix}", "CloudNativePG writes it");
                }
                break;
        }
    }
}
