using System.Globalization;
using System.Text.Json;
using Helix.Remediation.Decisions;

namespace Helix.Remediation.Signals;

/// <summary>What an Alertmanager webhook (payload version 4) says, reduced to the firing alerts about applications.</summary>
/// <param name="Signals">One per firing alert that names an application.</param>
/// <param name="Resolved">Dedupe keys of resolved alerts about applications: signals that stopped.</param>
/// <param name="Ignored">Alerts that count for nothing here: those without the application label.</param>
public sealed record AlertBatch(IReadOnlyList<Signal> Signals, IReadOnlyList<string> Resolved, int Ignored)
{
    public const string Source = "alertmanager";
}

/// <summary>
/// Reads Alertmanager's webhook body strictly: version 4, a group key, and for every alert a
/// status, labels, a fingerprint and a start time. A body that is not that is refused whole (and
/// nothing is recorded). Each firing alert becomes a signal keyed by group key, fingerprint and
/// start time, so Alertmanager's repeats of the same alert are one signal.
/// </summary>
public static class AlertmanagerPayload
{
    public static AlertBatch Parse(ReadOnlySpan<byte> body, string applicationLabel, DateTimeOffset receivedAt)
    {
        using (var document = JsonBody.ParseObject(body))
        {
            var root = document.RootElement;
            if (String(root, "version") != "4")
            {
                throw new FormatException("version must be \"4\" (Alertmanager's webhook payload)");
            }
            var groupKey = String(root, "groupKey") ?? throw new FormatException("groupKey is missing");
            if (!root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("alerts must be an array");
            }
            var signals = new List<Signal>();
            var resolved = new List<string>();
            var ignored = 0;
            var index = 0;
            foreach (var alert in alerts.EnumerateArray())
            {
                var status = String(alert, "status") ?? throw new FormatException($"alerts[{index}].status is missing");
                var fingerprint = String(alert, "fingerprint") ?? throw new FormatException($"alerts[{index}].fingerprint is missing");
                if (!DateTimeOffset.TryParse(String(alert, "startsAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var startsAt))
                {
                    throw new FormatException($"alerts[{index}].startsAt is not a time");
                }
                if (!alert.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"alerts[{index}].labels is missing");
                }
                var application = String(labels, applicationLabel);
                var key = SignalKey($"{groupKey}:{fingerprint}:{startsAt.UtcDateTime:O}");
                if (string.IsNullOrEmpty(application))
                {
                    ignored++;
                }
                else if (status == "firing")
                {
                    signals.Add(new Signal(AlertBatch.Source, key, application, startsAt, receivedAt, alert.Clone()));
                }
                else if (status == "resolved")
                {
                    resolved.Add(key);
                }
                else
                {
                    throw new FormatException($"alerts[{index}].status must be firing or resolved");
                }
                index++;
            }
            return new AlertBatch(signals, resolved, ignored);
        }
    }

    /// <summary>Keys are indexed: a long one (a group key over many labels) is kept as its SHA-256, the same for every copy.</summary>
    internal static string SignalKey(string key) =>
        key.Length <= MaxKeyLength ? key : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    private const int MaxKeyLength = 512;

    private static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
