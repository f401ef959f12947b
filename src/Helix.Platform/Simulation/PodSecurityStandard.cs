using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>
/// The Pod Security Standards (baseline and restricted, as of Kubernetes 1.35), evaluated on a pod
/// spec: what the API server's Pod Security admission refuses in a namespace labelled
/// <c>pod-security.kubernetes.io/enforce</c>, and what Kyverno's <c>podSecurity</c> rules check.
/// </summary>
internal static class PodSecurityStandard
{
    private static readonly HashSet<string> BaselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    private static readonly string[] ContainerFields = ["containers", "initContainers", "ephemeralContainers"];

    private static readonly HashSet<string> RestrictedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    /// <summary>The first rule of <paramref name="level"/> the pod breaks; null when it meets the level (or the level is privileged).</summary>
    public static string? Violation(JsonElement pod, string level)
    {
        if (level is not ("baseline" or "restricted"))
        {
            return null;
        }
        var containers = ContainerFields
            .SelectMany(field => KubeObject.Items(KubeObject.Element(pod, field))).ToList();
        return Baseline(pod, containers) ?? (level == "restricted" ? Restricted(pod, containers) : null);
    }

    private static string? Baseline(JsonElement pod, List<JsonElement> containers)
    {
        foreach (var host in new[] { "hostNetwork", "hostPID", "hostIPC" })
        {
            if (KubeObject.Flag(pod, host))
            {
                return $"{host}: true";
            }
        }
        if (KubeObject.Items(KubeObject.Element(pod, "volumes")).FirstOrDefault(v => KubeObject.Element(v, "hostPath") is not null) is { ValueKind: JsonValueKind.Object } hostPath)
        {
            return $"hostPath volume {KubeObject.Text(hostPath, "name")}";
        }
        if (KubeObject.Text(pod, "securityContext", "seccompProfile", "type") == "Unconfined")
        {
            return "seccompProfile Unconfined";
        }
        if (KubeObject.Items(KubeObject.Element(pod, "securityContext", "sysctls"))
            .Select(s => KubeObject.Text(s, "name")).FirstOrDefault(n => n is not null && !SafeSysctls.Contains(n)) is { } sysctl)
        {
            return $"sysctl {sysctl}";
        }
        foreach (var c in containers)
        {
            var name = KubeObject.Text(c, "name") ?? "?";
            if (KubeObject.Flag(c, "securityContext", "privileged"))
            {
                return $"container {name} is privileged";
            }
            if (KubeObject.Items(KubeObject.Element(c, "securityContext", "capabilities", "add"))
                .Select(a => a.ValueKind == JsonValueKind.String ? a.GetString() : null).FirstOrDefault(a => a is not null && !BaselineCapabilities.Contains(a)) is { } capability)
            {
                return $"container {name} adds capability {capability}";
            }
            if (KubeObject.Items(KubeObject.Element(c, "ports")).Any(p => KubeObject.Number(p, "hostPort") is > 0))
            {
                return $"container {name} uses a host port";
            }
            if (KubeObject.Text(c, "securityContext", "seccompProfile", "type") == "Unconfined")
            {
                return $"container {name}: seccompProfile Unconfined";
            }
            if (KubeObject.Text(c, "securityContext", "procMount") is { } mount and not "Default")
            {
                return $"container {name}: procMount {mount}";
            }
        }
        return null;
    }

    private static string? Restricted(JsonElement pod, List<JsonElement> containers)
    {
        if (KubeObject.Items(KubeObject.Element(pod, "volumes"))
            .Select(v => v.ValueKind == JsonValueKind.Object ? v.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n != "name") : null)
            .FirstOrDefault(type => type is not null && !RestrictedVolumes.Contains(type)) is { } volume)
        {
            return $"a {volume} volume";
        }
        var podNonRoot = KubeObject.Flag(pod, "securityContext", "runAsNonRoot");
        var podSeccomp = KubeObject.Text(pod, "securityContext", "seccompProfile", "type");
        if (KubeObject.Number(pod, "securityContext", "runAsUser") == 0)
        {
            return "runAsUser 0";
        }
        foreach (var c in containers)
        {
            var name = KubeObject.Text(c, "name") ?? "?";
            if (KubeObject.Element(c, "securityContext", "allowPrivilegeEscalation")?.ValueKind != JsonValueKind.False)
            {
                return $"container {name} does not set allowPrivilegeEscalation: false";
            }
            if (!podNonRoot && !KubeObject.Flag(c, "securityContext", "runAsNonRoot"))
            {
                return $"container {name} does not set runAsNonRoot: true";
            }
            if (KubeObject.Number(c, "securityContext", "runAsUser") == 0)
            {
                return $"container {name} runs as user 0";
            }
            var seccomp = KubeObject.Text(c, "securityContext", "seccompProfile", "type") ?? podSeccomp;
            if (seccomp is not ("RuntimeDefault" or "Localhost"))
            {
                return $"container {name} has no RuntimeDefault seccomp profile";
            }
            var caps = KubeObject.Element(c, "securityContext", "capabilities");
            if (!KubeObject.Items(caps is { } d ? KubeObject.Element(d, "drop") : null).Any(x => x.ValueKind == JsonValueKind.String && x.GetString() == "ALL"))
            {
                return $"container {name} does not drop ALL capabilities";
            }
            if (KubeObject.Items(caps is { } a ? KubeObject.Element(a, "add") : null)
                .Any(x => x.ValueKind == JsonValueKind.String && x.GetString() != "NET_BIND_SERVICE"))
            {
                return $"container {name} adds a capability besides NET_BIND_SERVICE";
            }
        }
        return null;
    }
}
