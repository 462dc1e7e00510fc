using System.Text;
using Build.Server;

namespace Build.Tests.Server;

[Category("Unit")]
public sealed class ServerRequestTests
{
    private static readonly ServerRequest Sample = new(
        "0123abcd",
        "/tmp/kiln-run.x1",
        Terminal: true,
        Columns: 120,
        "/work/repo",
        ["--target=Bake", "--families=a,b", "with space", "ünïcode", string.Empty],
        new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["MULTI"] = "line one\nline two", ["EQ"] = "a=b=c", ["EMPTY"] = string.Empty });

    [Test]
    public void What_build_sh_sends_reads_back_field_for_field()
    {
        var read = ServerRequest.Read(new MemoryStream(Sample.Encode()));

        read.Token.ShouldBe("0123abcd");
        read.FifoDirectory.ShouldBe("/tmp/kiln-run.x1");
        read.Terminal.ShouldBeTrue();
        read.Columns.ShouldBe(120);
        read.WorkingDirectory.ShouldBe("/work/repo");
        read.Arguments.ShouldBe(["--target=Bake", "--families=a,b", "with space", "ünïcode", string.Empty]);
        read.Environment.ShouldBe(Sample.Environment, ignoreOrder: true);
    }

    [Test]
    public void The_bytes_are_what_one_printf_of_NUL_terminated_fields_writes()
    {
        var request = new ServerRequest("t", "/f", Terminal: false, Columns: 0, "/w", ["--tree"], new Dictionary<string, string> { ["A"] = "1" });

        Encoding.UTF8.GetString(request.Encode()).ShouldBe(Fields("kiln-request-1", "t", "/f", "0", "0", "/w", "1", "--tree", "1", "A=1"));
    }

    [Test]
    public void A_log_line_names_the_run_but_never_its_token_or_environment()
    {
        var line = Sample.ToString();

        line.ShouldBe("/work/repo: --target=Bake --families=a,b with space ünïcode ");
        line.ShouldNotContain("0123abcd");
        line.ShouldNotContain("/usr/bin");
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData(Fields("other-protocol"), "not a Kiln request (expected 'kiln-request-1', got 'other-protocol'): the client and the server come from different versions of build.sh");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "/f"), "the request ended before its terminal flag");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "/f", "1", "0", "/w", "two"), "its argument count is not a count: 'two'");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "/f", "1", "0", "/w", "2", "--tree"), "the request ended before its argument");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "relative", "1", "0", "/w", "0", "0"), "the FIFO folder and the working directory must be absolute paths");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "/f", "1", "0", "w", "0", "0"), "the FIFO folder and the working directory must be absolute paths");
        yield return new TestCaseData(Fields("kiln-request-1", "tok", "/f", "1", "0", "/w", "999999999"), "its argument count is not a count: '999999999'");
    }

    [TestCaseSource(nameof(Malformed))]
    public void A_malformed_request_is_refused_with_what_is_wrong(string bytes, string message)
    {
        Should.Throw<InvalidDataException>(() => ServerRequest.Read(new MemoryStream(Encoding.UTF8.GetBytes(bytes)))).Message.ShouldBe(message);
    }

    [Test]
    public void A_field_longer_than_a_mebibyte_is_refused_before_it_is_read_whole()
    {
        var bytes = Encoding.UTF8.GetBytes("kiln-request-1\0" + new string('x', (1 << 20) + 1) + "\0");

        Should.Throw<InvalidDataException>(() => ServerRequest.Read(new MemoryStream(bytes))).Message.ShouldBe("its token is longer than 1048576 bytes");
    }

    private static string Fields(params string[] fields) => string.Concat(fields.Select(f => f + "\0"));
}
