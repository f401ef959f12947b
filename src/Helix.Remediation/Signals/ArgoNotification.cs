using System.Text.Json;
using Helix.Remediation.Decisions;

namespace Helix.Remediation.Signals;

/// <summary>An ArgoCD Notifications webhook, as Helix's template renders it (the compiler writes the template).</summary>
/// <param name="Application">The application's name.</param>
/// <param name="Trigger">on-health-degraded, on-sync-failed or on-deployed.</param>
/// <param name="Signal">The signal, for the two triggers that say something is wrong; null for on-deployed.</param>
public sealed record ArgoNotice(string Application, string Trigger, Signal? Signal)
{
    public const string Source = "argocd";
    public const string HealthDegraded = "on-health-degraded";
    public const string SyncFailed = "on-sync-failed";
    public const string Deployed = "on-deployed";

    /// <summary>The trigger of a recorded ArgoCD signal.</summary>
    public static string? TriggerOf(Signal signal) =>
        signal is not null && signal.Payload.ValueKind == JsonValueKind.Object && signal.Payload.TryGetProperty("trigger", out var t) ? t.GetString() : null;
}

/// <summary>
/// Reads the body of Helix's ArgoCD notification template strictly. The template's fields are the
/// application's own (<c>.app.metadata.name</c>, <c>.app.status...</c>); Argo fills an absent one with
/// an empty string, which reads as absent here.
/// </summary>
public static class ArgoNotification
{
    public const string Version = "1";

    private static readonly string[] Triggers = [ArgoNotice.HealthDegraded, ArgoNotice.SyncFailed, ArgoNotice.Deployed];

    public static ArgoNotice Parse(ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using (var document = JsonBody.ParseObject(body))
        {
            var root = document.RootElement;
            if (Text(root, "version") != Version)
            {
                throw new FormatException($"version must be \"{Version}\" (the template Helix renders into argocd-notifications-cm)");
            }
            var application = Text(root, "application") ?? throw new FormatException("application is missing");
            var trigger = Text(root, "trigger") ?? throw new FormatException("trigger is missing");
            if (!Triggers.Contains(trigger, StringComparer.Ordinal))
            {
                throw new FormatException($"trigger must be one of {string.Join(", ", Triggers)}");
            }
            if (trigger == ArgoNotice.Deployed)
            {
                return new ArgoNotice(application, trigger, null);
            }
            // One notice per sync and trigger: Argo sends again after a restart of its controller.
            var revision = Text(root, "operationRevision") ?? Text(root, "revision") ?? throw new FormatException("revision is missing");
            var key = $"{application}:{trigger}:{revision}:{Text(root, "finishedAt") ?? "-"}";
            return new ArgoNotice(application, trigger, new Signal(ArgoNotice.Source, key, application, receivedAt, receivedAt, root.Clone()));
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
