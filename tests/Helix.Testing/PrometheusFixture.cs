using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Helix.Testing;

/// <summary>
/// Prometheus of the harness: scrapes every second, evaluates rules every second, and sends alerts
/// to the harness's Alertmanager. Tests add scrape targets and rule files of their own.
/// </summary>
public sealed class PrometheusFixture : IDisposable
{
    private HttpClient? _http;

    public HttpClient Http => _http ??= new HttpClient
    {
        BaseAddress = new Uri(TestEnvironment.Require("HELIX_TEST_PROMETHEUS_URL", "Prometheus")),
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static string TargetsDirectory => TestEnvironment.Require("HELIX_TEST_PROMETHEUS_TARGETS_DIR", "Prometheus");

    private static string RulesDirectory => TestEnvironment.Require("HELIX_TEST_PROMETHEUS_RULES_DIR", "Prometheus");

    /// <summary>An instant query; returns <c>data.result</c>.</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (document.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus query failed: {document.RootElement}");
        }
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>
    /// Scrapes <paramref name="address"/> (host:port) from now on, with the given labels, until disposed.
    /// Prometheus picks the file up within a second (file_sd).
    /// </summary>
    public async Task<TestFile> AddTargetAsync(string address, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken = default)
    {
        var group = new JsonArray(new JsonObject
        {
            ["targets"] = new JsonArray(address),
            ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
        });
        var path = Path.Combine(TargetsDirectory, TestEnvironment.UniqueName("target") + ".json");
        await AtomicWriteAsync(path, group.ToJsonString(), cancellationToken);
        return new TestFile(path, null);
    }

    /// <summary>Loads a rule file (Prometheus YAML) until disposed.</summary>
    public async Task<TestFile> AddRulesAsync(string rulesYaml, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(RulesDirectory, TestEnvironment.UniqueName("rules") + ".yml");
        await AtomicWriteAsync(path, rulesYaml, cancellationToken);
        await ReloadAsync(cancellationToken);
        return new TestFile(path, () => ReloadAsync(CancellationToken.None));
    }

    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsync(new Uri("-/reload", UriKind.Relative), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Active alerts as Prometheus sees them (<c>/api/v1/alerts</c>).</summary>
    public async Task<JsonElement> AlertsAsync(CancellationToken cancellationToken = default)
    {
        var document = await Http.GetFromJsonAsync<JsonElement>(new Uri("api/v1/alerts", UriKind.Relative), cancellationToken);
        return document.GetProperty("data").GetProperty("alerts");
    }

    // Prometheus may read a half-written file otherwise.
    private static async Task AtomicWriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose() => _http?.Dispose();
}

/// <summary>A file the test placed for a service to read; removed (and the service told) when disposed.</summary>
public sealed class TestFile(string path, Func<Task>? afterDelete) : IAsyncDisposable
{
    public string Path { get; } = path;

    public async ValueTask DisposeAsync()
    {
        File.Delete(Path);
        if (afterDelete is not null)
        {
            await afterDelete();
        }
    }
}
