using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CsCheck;
using Helix.Remediation.Tests.Support;
using Helix.Testing;
using static Helix.Testing.HostileJson;

namespace Helix.Remediation.Tests;

/// <summary>
/// Generated Alertmanager and Argo CD payloads with any text in every field the service reads
/// (group keys, fingerprints, label names and values, the application, trigger, revisions), sent
/// to the real service over its real decision log. Properties: never a 5xx; text the decision log
/// cannot keep (NUL, an unpaired surrogate, bytes that are not UTF-8) is a 400; anything else
/// well-formed is recorded (or, for text too long for an index, a 422); and a batch is recorded
/// whole or not at all: the signals table grows by exactly what the answer says was recorded.
/// </summary>
[Collection(ServiceDependency.Name)]
public sealed class GeneratedSignalTests(PostgresFixture postgres, GitFixture git) : IAsyncLifetime
{
    private const int Samples = 250;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly GitTestRepo _repo = git.CreateBareRepository();
    private PostgresSchema? _schema;
    private ArgoCdStub? _argo;
    private GitHubStub? _github;
    private RemediationHost? _host;

    public async ValueTask InitializeAsync()
    {
        _schema = await postgres.CreateSchemaAsync(Ct);
        _argo = await ArgoCdStub.StartAsync();
        _github = await GitHubStub.StartAsync();
        // The kill switch on: every signal is recorded, no decision reaches out.
        _host = await RemediationHost.StartAsync(_schema, _repo, _argo, _github, new Dictionary<string, string?> { ["Remediation:Mode"] = "Off" });
    }

    private sealed record Alert(Literal Status, Literal Fingerprint, Literal? Application, Literal LabelName, Literal LabelValue, DateTimeOffset StartsAt)
    {
        public IEnumerable<Literal> Texts => new[] { Status, Fingerprint, Application, LabelName, LabelValue }.OfType<Literal>();

        public byte[] Json() => Members(
            ("status", Status.Json),
            ("labels", Labels()),
            ("annotations", "{}"u8.ToArray()),
            ("startsAt", Of(StartsAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).Json),
            ("endsAt", "\"0001-01-01T00:00:00Z\""u8.ToArray()),
            ("fingerprint", Fingerprint.Json));

        // alertname, then the application label when there is one, then a generated label whose name is
        // hostile too; bytes throughout, so bytes that are not UTF-8 reach the service as they are.
        private byte[] Labels()
        {
            byte[] application = Application is null ? [] : [.. ",\"helix_app\":"u8, .. Application.Json];
            return [.. "{\"alertname\":\"ShopErrors\""u8, .. application, (byte)',', .. LabelName.Json, (byte)':', .. LabelValue.Json, (byte)'}'];
        }
    }

    private static readonly Gen<Literal> Status = Gen.Frequency((6, Gen.Const(Of("firing"))), (3, Gen.Const(Of("resolved"))), (1, HostileJson.Text));

    private static readonly Gen<Alert> AnyAlert = Gen.Select(
        Status, HostileJson.Text, Gen.Frequency((8, HostileJson.Text.Select(l => (Literal?)l)), (1, Gen.Const((Literal?)null))), HostileJson.Text, HostileJson.Text,
        Gen.Int[-86_400, 86_400].Select(s => DateTimeOffset.UtcNow.AddSeconds(s)),
        (status, fingerprint, application, name, value, startsAt) => new Alert(status, fingerprint, application, name, value, startsAt));

    [Fact]
    public async Task AlertmanagerBatches_AreRecordedWholeOrRefusedWhole_NeverA5xx()
    {
        var answers = new List<HttpStatusCode>();
        await Gen.Select(HostileJson.Text, AnyAlert.Array[0, 4]).SampleAsync(async (groupKey, alerts) =>
        {
            var body = Members(
                ("version", "\"4\""u8.ToArray()), ("groupKey", groupKey.Json), ("truncatedAlerts", "0"u8.ToArray()), ("status", "\"firing\""u8.ToArray()),
                ("receiver", "\"remediation\""u8.ToArray()), ("alerts", HostileJson.Items(alerts.Select(a => a.Json()))));
            var texts = alerts.SelectMany(a => a.Texts).Append(groupKey).ToList();
            var before = await CountAsync();
            var (status, answer) = await PostAsync("/v1/signals/alertmanager", body, RemediationHost.AlertmanagerToken);
            var recorded = await CountAsync() - before;
            answers.Add(status);

            if (texts.Any(t => !t.Storable))
            {
                Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} for unstorable text: {answer}");
            }
            else if (alerts.Any(a => a.Status.Text is not ("firing" or "resolved") && !string.IsNullOrEmpty(a.Application?.Text)))
            {
                Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} for an unknown status: {answer}");
                Assert.Contains("status must be firing or resolved", answer, StringComparison.Ordinal);
            }
            else
            {
                var long_ = texts.Any(t => t.Json.Length > 2000);
                Assert.True(status == HttpStatusCode.OK || long_ && status == HttpStatusCode.UnprocessableEntity, $"{(int)status}: {answer}");
            }
            if (status == HttpStatusCode.OK)
            {
                using var result = JsonDocument.Parse(answer);
                Assert.Equal(result.RootElement.GetProperty("recorded").GetInt32(), recorded);
                var firing = alerts.Count(a => a.Status.Text == "firing" && !string.IsNullOrEmpty(a.Application?.Text));
                Assert.Equal(firing, result.RootElement.GetProperty("recorded").GetInt32() + result.RootElement.GetProperty("duplicates").GetInt32());
            }
            else
            {
                Assert.Equal(0, recorded);
            }
        }, iter: Samples, threads: 1);
        // The generator reaches both sides of the property.
        Assert.Contains(HttpStatusCode.OK, answers);
        Assert.Contains(HttpStatusCode.BadRequest, answers);
    }

    [Fact]
    public async Task ArgoCdNotifications_WithAnyText_AreRecordedOrRefused_NeverA5xx()
    {
        var answers = new List<HttpStatusCode>();
        var trigger = Gen.Frequency((6, Gen.OneOf("on-health-degraded", "on-sync-failed", "on-deployed").Select(Of)), (1, HostileJson.Text));
        // A third of the texts plain: a notice is recorded only when all of its texts can be, and the run must see some recorded.
        var text = Gen.Frequency((2, HostileJson.Text), (1, HostileJson.Plain));
        await Gen.Select(trigger, text, text, text).SampleAsync(async (trig, application, revision, health) =>
        {
            var body = Members(
                ("version", "\"1\""u8.ToArray()), ("trigger", trig.Json), ("application", application.Json), ("revision", revision.Json),
                ("health", health.Json), ("syncStatus", "\"Synced\""u8.ToArray()), ("operationPhase", "\"Failed\""u8.ToArray()),
                ("operationRevision", revision.Json), ("finishedAt", Of(DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).Json));
            var before = await CountAsync();
            var (status, answer) = await PostAsync("/v1/signals/argocd", body, RemediationHost.ArgoNotificationsToken);
            var recorded = await CountAsync() - before;
            answers.Add(status);

            Assert.True((int)status < 500, $"{(int)status}: {answer}");
            if (new[] { trig, application, revision, health }.Any(t => !t.Storable))
            {
                Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} for unstorable text: {answer}");
            }
            Assert.Equal(status == HttpStatusCode.OK ? JsonDocument.Parse(answer).RootElement.GetProperty("recorded").GetInt32() : 0, recorded);
        }, iter: Samples, threads: 1);
        Assert.Contains(HttpStatusCode.OK, answers);
        Assert.Contains(HttpStatusCode.BadRequest, answers);
        Assert.True(await CountAsync() > 0);
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string route, byte[] body, string token)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _host!.Client.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<long> CountAsync()
    {
        await using var count = _schema!.Direct.CreateCommand($"SELECT count(*) FROM {_schema.Table("signals")}");
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (_argo is not null)
        {
            await _argo.DisposeAsync();
        }
        if (_github is not null)
        {
            await _github.DisposeAsync();
        }
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
        _repo.Dispose();
    }
}
