using System.Net.Http.Json;
using System.Text.Json;

namespace Helix.Testing;

/// <summary>Alertmanager of the harness (API v2). Its configuration file may be rewritten, then reloaded.</summary>
public sealed class AlertmanagerFixture : IDisposable
{
    private HttpClient? _http;

    public HttpClient Http => _http ??= new HttpClient
    {
        BaseAddress = new Uri(TestEnvironment.Require("HELIX_TEST_ALERTMANAGER_URL", "Alertmanager")),
        Timeout = TimeSpan.FromSeconds(10),
    };

    public string ConfigPath => TestEnvironment.Require("HELIX_TEST_ALERTMANAGER_CONFIG", "Alertmanager");

    public async Task<JsonElement> StatusAsync(CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri("api/v2/status", UriKind.Relative), cancellationToken);

    /// <summary>Posts alerts as Prometheus does: an array of {labels, annotations, startsAt, endsAt}.</summary>
    public async Task PostAlertsAsync(object alerts, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync(new Uri("api/v2/alerts", UriKind.Relative), alerts, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Alerts matching one label, such as <c>test="t_1a2b"</c>.</summary>
    public async Task<JsonElement> AlertsAsync(string label, string value, CancellationToken cancellationToken = default)
    {
        var filter = Uri.EscapeDataString($"{label}=\"{value}\"");
        return await Http.GetFromJsonAsync<JsonElement>(new Uri($"api/v2/alerts?filter={filter}", UriKind.Relative), cancellationToken);
    }

    /// <summary>
    /// Routes alerts carrying <c>label="value"</c> to a webhook with a bearer token read from a file,
    /// as the platform's Alertmanager routes to the Remediation Service; the harness's configuration
    /// comes back when disposed.
    /// </summary>
    public async Task<IAsyncDisposable> RouteToWebhookAsync(string label, string value, Uri url, string credentialsFile, CancellationToken cancellationToken = default)
    {
        var original = await File.ReadAllTextAsync(ConfigPath, cancellationToken);
        var receiver = TestEnvironment.UniqueName("r");
        var config = $$"""
            route:
              receiver: default
              group_by: [alertname]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
              routes:
                - receiver: {{receiver}}
                  matchers: ['{{label}}="{{value}}"']
            receivers:
              - name: default
              - name: {{receiver}}
                webhook_configs:
                  - url: {{url}}
                    send_resolved: true
                    http_config:
                      authorization:
                        credentials_file: {{credentialsFile}}

            """;
        await File.WriteAllTextAsync(ConfigPath, config, cancellationToken);
        await ReloadAsync(cancellationToken);
        return new Restore(this, original);
    }

    private sealed class Restore(AlertmanagerFixture owner, string original) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await File.WriteAllTextAsync(owner.ConfigPath, original);
            await owner.ReloadAsync();
        }
    }

    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsync(new Uri("-/reload", UriKind.Relative), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http?.Dispose();
}
