namespace Helix.Orchestrator.Nodes;

/// <summary>
/// The <c>http</c> node's service: partner APIs through the egress proxy, with the standard
/// resilience pipeline (attempt and total timeouts, retries with jittered backoff, a circuit
/// breaker per partner host). Each call carries the task's idempotency key, so a retried or
/// restarted node is one call at a partner that honours <c>Idempotency-Key</c>.
/// </summary>
internal sealed class PartnerApi(HttpClient http)
{
    public const string ClientName = "partners";

    public async Task<HttpResponseMessage> SendAsync(Helix.Workflows.NodeContext context, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", context.IdempotencyKey);
        var response = await http.SendAsync(request, context.CancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode >= 500 || response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
        {
            // The pipeline's retries are spent: let the node's retry policy see a transient failure.
            var status = response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"{request.RequestUri?.Host} answered {(int)status} after the retries", null, status);
        }
        return response;
    }
}
