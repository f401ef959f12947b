namespace Helix.Testing;

/// <summary>Waiting for an in-process Helix service to answer <c>/readyz</c>.</summary>
public static class Readiness
{
    /// <summary>Polls <c>/readyz</c> for up to 15 s; the timeout names the service, its last answer and its last log lines.</summary>
    public static async Task WaitAsync(HttpClient client, string service, CapturedLogs logs)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logs);
        var last = "";
        for (var i = 0; i < 300; i++)
        {
            using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            last = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"the {service} never became ready: {last}\n{string.Join("\n", logs.Lines.TakeLast(10))}");
    }
}
