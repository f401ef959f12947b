using System.Text;
using Helix.Remediation.Signals;

namespace Helix.Remediation.Tests;

/// <summary>Alertmanager's webhook body, version 4, as its documentation defines it.</summary>
public sealed class AlertmanagerPayloadTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private const string Body = """
        {"version":"4","groupKey":"{}:{alertname=\"ShopErrors\"}","truncatedAlerts":0,"status":"firing","receiver":"remediation",
         "groupLabels":{"alertname":"ShopErrors"},"commonLabels":{"alertname":"ShopErrors"},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093",
         "alerts":[
           {"status":"firing","labels":{"alertname":"ShopErrors","helix_app":"shop"},"annotations":{},"startsAt":"2026-11-25T11:58:00Z",
            "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus/graph","fingerprint":"a1b2c3"},
           {"status":"resolved","labels":{"alertname":"ShopErrors","helix_app":"shop"},"annotations":{},"startsAt":"2026-11-25T11:00:00Z",
            "endsAt":"2026-11-25T11:30:00Z","generatorURL":"","fingerprint":"d4e5f6"},
           {"status":"firing","labels":{"alertname":"NodeDown"},"annotations":{},"startsAt":"2026-11-25T11:59:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"070809"}]}
        """;

    [Fact]
    public void FiringAlertsNamingAnApplication_BecomeSignals_KeyedSoRepeatsAreOne()
    {
        var batch = AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(Body), "helix_app", Now);
        var signal = Assert.Single(batch.Signals);
        Assert.Equal("shop", signal.Application);
        Assert.Equal("{}:{alertname=\"ShopErrors\"}:a1b2c3:2026-11-25T11:58:00.0000000Z", signal.DedupeKey);
        Assert.Equal(["{}:{alertname=\"ShopErrors\"}:d4e5f6:2026-11-25T11:00:00.0000000Z"], batch.Resolved);
        Assert.Equal(1, batch.Ignored); // the one without the label
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T11:58:00Z", System.Globalization.CultureInfo.InvariantCulture), signal.ObservedAt);
        Assert.Equal(signal.DedupeKey, AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(Body), "helix_app", Now.AddMinutes(5)).Signals[0].DedupeKey);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"version":"3","groupKey":"g","alerts":[]}""", "version must be \"4\"")]
    [InlineData("""{"version":"4","alerts":[]}""", "groupKey is missing")]
    [InlineData("""{"version":"4","groupKey":"g","alerts":{}}""", "alerts must be an array")]
    [InlineData("""{"version":"4","groupKey":"g","alerts":[{"status":"firing","labels":{},"startsAt":"2026-11-25T11:58:00Z"}]}""", "alerts[0].fingerprint is missing")]
    [InlineData("""{"version":"4","groupKey":"g","alerts":[{"status":"firing","labels":{},"fingerprint":"f","startsAt":"yesterday"}]}""", "alerts[0].startsAt is not a time")]
    [InlineData("""
        {"version":"4","groupKey":"g","alerts":[{"status":"pending","labels":{"helix_app":"shop"},"fingerprint":"f","startsAt":"2026-11-25T11:58:00Z"}]}
        """, "alerts[0].status must be firing or resolved")]
    public void AMalformedBody_IsRefusedWhole_WithTheReason(string body, string reason)
    {
        var error = Assert.Throws<FormatException>(() => AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(body), "helix_app", Now));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}

public sealed class RecentSignalsTests
{
    [Fact]
    public void RecentIds_AreKnown_AndTheOldestAreForgottenPastTheCapacity()
    {
        var recent = new Api.RecentSignals(capacity: 3);
        foreach (var id in new[] { "a", "b", "c", "b", "d" })
        {
            recent.Add(id);
        }
        Assert.False(recent.Contains("a")); // the oldest went when the fourth arrived
        Assert.True(recent.Contains("b") && recent.Contains("c") && recent.Contains("d"));
    }
}
