using System.Net.Http.Headers;
using System.Text.Json;

namespace Helix.Remediation.Argo;

/// <summary>One deployment of an application, as ArgoCD's <c>status.history</c> records it.</summary>
public sealed record Deployment(long Id, string Revision, DateTimeOffset DeployedAt);

/// <summary>What the decision needs of an ArgoCD application.</summary>
public sealed record ArgoApplication(
    string Name,
    string Health,
    string SyncStatus,
    string? SyncRevision,
    IReadOnlyList<Deployment> History,
    string? OperationPhase,
    string? OperationRevision,
    IReadOnlyList<string> Paths)
{
    /// <summary>The annotation that takes an application out of automatic rollback (<c>"false"</c>).</summary>
    public const string OptOutAnnotation = "helix.io/auto-rollback";

    /// <summary>When the current (or last) sync operation ended.</summary>
    public DateTimeOffset? OperationFinishedAt { get; init; }

    /// <summary>False when the application is annotated <c>helix.io/auto-rollback: "false"</c>.</summary>
    public bool AutoRollback { get; init; } = true;

    public bool SyncFailed => OperationPhase is "Failed" or "Error";

    public bool Syncing => OperationPhase is "Running" or "Terminating";

    /// <summary>
    /// The commits to revert: after a failed sync, from the last deployed revision to the one the sync
    /// tried; after a degradation, from the deployment before the last to the last (one auto-sync can
    /// jump several commits). Null when the history cannot say.
    /// </summary>
    public (string Healthy, string Bad)? BadRange()
    {
        var ordered = History.OrderBy(d => d.DeployedAt).ThenBy(d => d.Id).ToList();
        if (SyncFailed && OperationRevision is { } attempted && ordered.Count > 0 && ordered[^1].Revision != attempted)
        {
            return (ordered[^1].Revision, attempted);
        }
        return ordered.Count >= 2 && ordered[^2].Revision != ordered[^1].Revision ? (ordered[^2].Revision, ordered[^1].Revision) : null;
    }

    public DateTimeOffset? LastDeployedAt => History.Count == 0 ? null : History.Max(d => d.DeployedAt);

    /// <summary>The last sync: the failed operation's end when the last sync failed, else the last deployment.</summary>
    public DateTimeOffset? LastSyncAt => SyncFailed && OperationFinishedAt is { } failedAt ? failedAt : LastDeployedAt;
}

/// <summary>ArgoCD's REST API (<c>GET /api/v1/applications/{name}</c>) with a read-only account token.</summary>
public sealed class ArgoCdClient(HttpClient http, Func<string> token)
{
    public async Task<ArgoApplication?> GetAsync(string application, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/applications/{Uri.EscapeDataString(application)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Forbidden)
        {
            return null; // ArgoCD answers 403 for applications the account may not see, as for missing ones
        }
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Parse(document.RootElement);
    }

    internal static ArgoApplication Parse(JsonElement app)
    {
        var status = app.TryGetProperty("status", out var s) ? s : default;
        string? Text(JsonElement element, params string[] path)
        {
            foreach (var key in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
                {
                    return null;
                }
            }
            return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        }
        var history = new List<Deployment>();
        if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty("history", out var h) && h.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in h.EnumerateArray())
            {
                if (Text(entry, "revision") is { } revision && Text(entry, "deployedAt") is { } at)
                {
                    history.Add(new Deployment(entry.TryGetProperty("id", out var id) && id.TryGetInt64(out var n) ? n : 0, revision,
                        DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
        }
        var paths = new List<string>();
        if (app.TryGetProperty("spec", out var spec))
        {
            if (Text(spec, "source", "path") is { } single)
            {
                paths.Add(single);
            }
            if (spec.TryGetProperty("sources", out var sources) && sources.ValueKind == JsonValueKind.Array)
            {
                paths.AddRange(sources.EnumerateArray().Select(x => Text(x, "path")).OfType<string>());
            }
        }
        return new ArgoApplication(
            Text(app, "metadata", "name") ?? "",
            Text(status, "health", "status") ?? "Unknown",
            Text(status, "sync", "status") ?? "Unknown",
            Text(status, "sync", "revision"),
            history,
            Text(status, "operationState", "phase"),
            Text(status, "operationState", "syncResult", "revision"),
            paths)
        {
            OperationFinishedAt = Text(status, "operationState", "finishedAt") is { } finished
                ? DateTimeOffset.Parse(finished, System.Globalization.CultureInfo.InvariantCulture) : null,
            AutoRollback = Text(app, "metadata", "annotations", ArgoApplication.OptOutAnnotation) != "false",
        };
    }
}
