package kafkasec

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// PasswordEnv is the environment variable [Options.WithEnv] takes the SASL
// password from.
const PasswordEnv = "NEWSFLOW_SASL_PASSWORD"

// SASL mechanisms accepted in Options.SASLMechanism, in their canonical
// spelling. Matching is case-insensitive.
const (
	MechanismPlain       = "plain"
	MechanismSCRAMSHA256 = "scram-sha-256"
	MechanismSCRAMSHA512 = "scram-sha-512"
)

// DefaultDialTimeout is the Dialer timeout used when [Options.Dialer] is
// given a timeout <= 0. It bounds the TCP connect, the TLS handshake and the
// SASL exchange together.
const DefaultDialTimeout = 10 * time.Second

// Size limits of the files Options names; anything larger is surely the
// wrong file.
const (
	maxSecretFileBytes = 64 << 10
	maxPEMFileBytes    = 1 << 20
)

// ErrInvalid is wrapped by every error that reports bad Options (from
// Validate, Dialer and Transport), so callers can tell a configuration
// mistake, to be fixed by the user, from a broker that cannot be reached.
var ErrInvalid = errors.New("invalid Kafka security options")

// Options selects how newsflow authenticates to the brokers and encrypts
// its connections. The zero value means plaintext without authentication.
// Each field names the command-line flag it comes from; error messages use
// those names.
type Options struct {
	// SASLMechanism (--sasl-mechanism) is "", "plain", "scram-sha-256" or
	// "scram-sha-512"; "" (the default) disables SASL.
	SASLMechanism string
	// Username (--sasl-username) is the SASL user; required with SASL.
	Username string
	// Password is the SASL password. It has no flag, so it never shows in
	// a process list: fill it from NEWSFLOW_SASL_PASSWORD with WithEnv, or
	// use PasswordFile. Exactly one of the two is required with SASL. It is
	// never printed nor marshalled to JSON.
	Password string `json:"-"`
	// PasswordFile (--sasl-password-file) names a file holding the SASL
	// password; trailing line breaks are dropped.
	PasswordFile string
	// TLS (--tls) encrypts every broker connection. Default off.
	TLS bool
	// TLSCAFile (--tls-ca) is a PEM bundle of the CAs that may sign the
	// broker certificate; when set, only these are trusted. Default: the
	// system roots.
	TLSCAFile string
	// TLSCertFile (--tls-cert) and TLSKeyFile (--tls-key) are a PEM client
	// certificate and its unencrypted private key, for brokers that
	// authenticate clients by certificate. Both or neither.
	TLSCertFile, TLSKeyFile string
	// TLSInsecureSkipVerify (--tls-insecure-skip-verify) accepts any broker
	// certificate. For experiments only: it defeats TLS's protection.
	TLSInsecureSkipVerify bool
	// TLSServerName (--tls-server-name) is the name the broker certificate
	// must carry; default: the host part of each broker address.
	TLSServerName string
}

// WithEnv returns a copy of o whose Password is read from the environment
// variable PasswordEnv (lookup is os.LookupEnv in production) when SASL is
// enabled, Password is empty and the variable is set and not empty. Without
// SASL the variable is ignored, so a stray export does not break a plaintext
// run. When both the variable and PasswordFile are set, Validate reports the
// contradiction.
func (o Options) WithEnv(lookup func(string) (string, bool)) Options {
	if lookup == nil || strings.TrimSpace(o.SASLMechanism) == "" || o.Password != "" {
		return o
	}
	if v, ok := lookup(PasswordEnv); ok && v != "" {
		o.Password = v
	}
	return o
}

// Enabled reports whether o asks for SASL or TLS.
func (o Options) Enabled() bool {
	return strings.TrimSpace(o.SASLMechanism) != "" || o.TLS
}

// Validate checks o without connecting anywhere: unknown mechanism,
// contradictions (two password sources, TLS settings without --tls, a CA
// together with --tls-insecure-skip-verify, a certificate without its key),
// and missing, empty or unparsable files. The error wraps ErrInvalid and
// lists every problem found, each naming the flag to fix.
func (o Options) Validate() error {
	_, err := o.load()
	return err
}

// Dialer returns a kafka-go Dialer for kafka.Reader, kafka.ReaderConfig,
// kafka.ConsumerGroup and kafka.Conn, with SASL and TLS set as o says. A
// timeout <= 0 means DefaultDialTimeout. The Dialer is new on every call;
// the caller may set further fields (ClientID, Resolver) before first use.
func (o Options) Dialer(timeout time.Duration) (*kafka.Dialer, error) {
	m, err := o.load()
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	return &kafka.Dialer{
		Timeout:       timeout,
		DualStack:     true,
		TLS:           m.tls,
		SASLMechanism: m.sasl,
	}, nil
}

// Transport returns a kafka-go Transport for kafka.Writer and kafka.Client,
// with SASL and TLS set as o says and kafka-go's defaults otherwise. The
// Transport is new on every call and owns a connection pool: share one per
// process where possible, and call its CloseIdleConnections when done.
func (o Options) Transport() (*kafka.Transport, error) {
	m, err := o.load()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{TLS: m.tls, SASL: m.sasl}, nil
}

// Check connects to the brokers in turn, with TLS and SASL as configured,
// until one accepts the connection and the authentication and answers an
// ApiVersions request; it returns nil then. Otherwise it returns every failure, each passed through Explain, so
// that a wrong password or an untrusted certificate is reported at startup
// instead of as endless retries inside a reader. timeout bounds each attempt
// (<= 0: DefaultDialTimeout); ctx bounds the whole check.
func (o Options) Check(ctx context.Context, brokers []string, timeout time.Duration) error {
	if len(brokers) == 0 {
		return errors.New("kafkasec: no broker address to check")
	}
	d, err := o.Dialer(timeout)
	if err != nil {
		return err
	}
	var errs []error
	for _, addr := range brokers {
		err := checkOne(ctx, d, addr)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("broker %s: %w", addr, o.Explain(err)))
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("kafkasec: no broker accepted the connection (%s): %w", o, errors.Join(errs...))
}

// checkOne connects to addr and asks for the broker's API versions, so that
// a listener that accepts TCP (and TLS) but does not speak Kafka, or speaks
// it with another security protocol, fails here too.
func checkOne(ctx context.Context, d *kafka.Dialer, addr string) (err error) {
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the check connection: %w", cerr)
		}
	}()
	deadline := time.Now().Add(d.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("setting the check deadline: %w", err)
	}
	if _, err := conn.ApiVersions(); err != nil {
		return fmt.Errorf("asking for API versions: %w", err)
	}
	return nil
}

// Explain wraps err, an error from connecting to a broker with o, with a
// hint naming the option that most likely needs fixing: a rejected password,
// a mechanism the listener does not enable, an untrusted or mismatched
// broker certificate, or a listener speaking another protocol. An error it
// has no hint for, and nil, are returned unchanged. The result wraps err.
func (o Options) Explain(err error) error {
	if err == nil {
		return nil
	}
	mech := strings.ToLower(strings.TrimSpace(o.SASLMechanism))
	var (
		unknownCA  x509.UnknownAuthorityError
		hostname   x509.HostnameError
		invalid    x509.CertificateInvalidError
		recordHdr  tls.RecordHeaderError
		certVerify *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, kafka.SASLAuthenticationFailed):
		return fmt.Errorf("SASL %s authentication as %q was rejected: check --sasl-username and the password (%s or --sasl-password-file): %w",
			mech, o.Username, PasswordEnv, err)
	case errors.Is(err, kafka.UnsupportedSASLMechanism):
		return fmt.Errorf("the broker listener does not enable SASL mechanism %s: pick one it enables with --sasl-mechanism, or check the port: %w", mech, err)
	case errors.Is(err, kafka.IllegalSASLState):
		return fmt.Errorf("the broker listener does not expect SASL: drop --sasl-mechanism or use the SASL port: %w", err)
	case errors.As(err, &unknownCA):
		return fmt.Errorf("the broker certificate is not signed by a trusted CA: set --tls-ca to the CA that signed it: %w", err)
	case errors.As(err, &hostname):
		return fmt.Errorf("the broker certificate does not name this host: connect by a name it carries or set --tls-server-name: %w", err)
	case errors.As(err, &invalid):
		return fmt.Errorf("the broker certificate is not valid (expired, or not for a server): %w", err)
	case errors.As(err, &certVerify):
		return fmt.Errorf("the broker certificate failed verification: check --tls-ca and --tls-server-name: %w", err)
	case errors.As(err, &recordHdr):
		return fmt.Errorf("the broker did not answer TLS: this port is not a TLS listener; drop --tls or use the TLS port: %w", err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if !o.TLS {
			return fmt.Errorf("the broker closed the connection: if this is a TLS listener, add --tls: %w", err)
		}
		return fmt.Errorf("the broker closed the connection: check that this listener's protocol matches --tls and --sasl-mechanism, and whether it requires a client certificate (--tls-cert, --tls-key): %w", err)
	}
	return err
}

// material is what load builds from Options.
type material struct {
	sasl sasl.Mechanism
	tls  *tls.Config
}

// load validates o and builds the SASL mechanism and TLS configuration; it
// reads the files o names.
func (o Options) load() (material, error) {
	var m material
	var errs []error
	mech, err := o.mechanism()
	if err != nil {
		errs = append(errs, err)
	}
	if err == nil {
		m.sasl, errs = o.saslMechanism(mech, errs)
	}
	m.tls, errs = o.tlsConfig(errs)
	if len(errs) > 0 {
		return material{}, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return m, nil
}

func (o Options) mechanism() (string, error) {
	switch m := strings.ToLower(strings.TrimSpace(o.SASLMechanism)); m {
	case "", MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		return m, nil
	}
	return "", fmt.Errorf("--sasl-mechanism %q is not supported: use %s, %s or %s",
		o.SASLMechanism, MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512)
}

func (o Options) saslMechanism(mech string, errs []error) (sasl.Mechanism, []error) {
	if mech == "" {
		if o.Username != "" {
			errs = append(errs, errors.New("--sasl-username is set but --sasl-mechanism is not: set --sasl-mechanism (plain, scram-sha-256 or scram-sha-512) or drop --sasl-username"))
		}
		if o.Password != "" || o.PasswordFile != "" {
			errs = append(errs, errors.New("a SASL password is given but --sasl-mechanism is not: set --sasl-mechanism or drop the password"))
		}
		return nil, errs
	}
	n := len(errs)
	if strings.TrimSpace(o.Username) == "" {
		errs = append(errs, fmt.Errorf("--sasl-mechanism %s needs --sasl-username", mech))
	}
	var password string
	switch {
	case o.Password != "" && o.PasswordFile != "":
		errs = append(errs, fmt.Errorf("the SASL password is given twice: set either %s or --sasl-password-file, not both", PasswordEnv))
	case o.Password != "":
		password = o.Password
	case o.PasswordFile != "":
		p, err := readSecretFile(o.PasswordFile)
		if err != nil {
			errs = append(errs, err)
		}
		password = p
	default:
		errs = append(errs, fmt.Errorf("--sasl-mechanism %s needs a password: set %s or --sasl-password-file", mech, PasswordEnv))
	}
	if len(errs) > n {
		return nil, errs
	}
	if mech == MechanismPlain {
		return plain.Mechanism{Username: o.Username, Password: password}, errs
	}
	algo := scram.SHA512
	if mech == MechanismSCRAMSHA256 {
		algo = scram.SHA256
	}
	sm, err := scram.Mechanism(algo, o.Username, password)
	if err != nil {
		// The error comes from SASLprep normalisation (RFC 4013) of the
		// user name or password; it does not contain the password.
		return nil, append(errs, fmt.Errorf("--sasl-mechanism %s cannot use this user name or password: %w", mech, err))
	}
	return sm, errs
}

func (o Options) tlsConfig(errs []error) (*tls.Config, []error) {
	if !o.TLS {
		var set []string
		for _, f := range []struct {
			name string
			on   bool
		}{
			{"--tls-ca", o.TLSCAFile != ""},
			{"--tls-cert", o.TLSCertFile != ""},
			{"--tls-key", o.TLSKeyFile != ""},
			{"--tls-insecure-skip-verify", o.TLSInsecureSkipVerify},
			{"--tls-server-name", o.TLSServerName != ""},
		} {
			if f.on {
				set = append(set, f.name)
			}
		}
		if len(set) > 0 {
			errs = append(errs, fmt.Errorf("%s given without --tls: add --tls, or drop them", strings.Join(set, ", ")))
		}
		return nil, errs
	}
	n := len(errs)
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.TLSServerName,
		InsecureSkipVerify: o.TLSInsecureSkipVerify,
	}
	if o.TLSInsecureSkipVerify && o.TLSCAFile != "" {
		errs = append(errs, errors.New("--tls-ca and --tls-insecure-skip-verify contradict each other: the CA would never be checked; drop one"))
	}
	if o.TLSCAFile != "" {
		pool, err := readCAFile(o.TLSCAFile)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.TLSCertFile != "" && o.TLSKeyFile != "":
		pair, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSKeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-cert %s / --tls-key %s: %w", o.TLSCertFile, o.TLSKeyFile, err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	case o.TLSCertFile != "":
		errs = append(errs, errors.New("--tls-cert needs --tls-key (the client certificate's private key)"))
	case o.TLSKeyFile != "":
		errs = append(errs, errors.New("--tls-key needs --tls-cert (the client certificate)"))
	}
	if len(errs) > n {
		return nil, errs
	}
	return cfg, errs
}

// readSecretFile returns the content of a password file without its
// trailing line breaks.
func readSecretFile(path string) (string, error) {
	b, err := readLimited(path, maxSecretFileBytes)
	if err != nil {
		return "", fmt.Errorf("--sasl-password-file: %w", err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", fmt.Errorf("--sasl-password-file %s is empty", path)
	}
	return p, nil
}

func readCAFile(path string) (*x509.CertPool, error) {
	b, err := readLimited(path, maxPEMFileBytes)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--tls-ca %s holds no PEM certificate", path)
	}
	return pool, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the right file?", path, limit)
	}
	return b, nil
}

// String describes o for logs and error messages. It never contains the
// password, only where the password comes from.
func (o Options) String() string {
	var b strings.Builder
	if mech := strings.TrimSpace(o.SASLMechanism); mech == "" {
		b.WriteString("sasl=off")
	} else {
		fmt.Fprintf(&b, "sasl=%s user=%q password=%s", strings.ToLower(mech), o.Username, o.passwordSource())
	}
	if !o.TLS {
		b.WriteString(" tls=off")
		return b.String()
	}
	b.WriteString(" tls=on")
	if o.TLSCAFile != "" {
		fmt.Fprintf(&b, " ca=%s", o.TLSCAFile)
	}
	if o.TLSCertFile != "" || o.TLSKeyFile != "" {
		fmt.Fprintf(&b, " cert=%s key=%s", o.TLSCertFile, o.TLSKeyFile)
	}
	if o.TLSServerName != "" {
		fmt.Fprintf(&b, " server-name=%s", o.TLSServerName)
	}
	if o.TLSInsecureSkipVerify {
		b.WriteString(" insecure-skip-verify")
	}
	return b.String()
}

func (o Options) passwordSource() string {
	switch {
	case o.Password != "" && o.PasswordFile != "":
		return "set+file:" + o.PasswordFile
	case o.Password != "":
		return "set"
	case o.PasswordFile != "":
		return "file:" + o.PasswordFile
	}
	return "none"
}

// GoString is String in a Go-like wrapper, so %#v does not print the
// password either.
func (o Options) GoString() string {
	return "kafkasec.Options{" + o.String() + "}"
}

// Format makes every fmt verb (%v, %+v, %s, %d …) print String, and %#v
// GoString: no verb reaches the password field.
func (o Options) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, o.GoString())
		return
	}
	_, _ = io.WriteString(f, o.String())
}

// LogValue makes log/slog print o as a group of its non-secret settings.
func (o Options) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("sasl", "off")}
	if mech := strings.TrimSpace(o.SASLMechanism); mech != "" {
		attrs = []slog.Attr{
			slog.String("sasl", strings.ToLower(mech)),
			slog.String("user", o.Username),
			slog.String("password", o.passwordSource()),
		}
	}
	attrs = append(attrs, slog.Bool("tls", o.TLS))
	if o.TLS {
		attrs = append(attrs,
			slog.String("tls_ca", o.TLSCAFile),
			slog.String("tls_cert", o.TLSCertFile),
			slog.String("tls_key", o.TLSKeyFile),
			slog.String("tls_server_name", o.TLSServerName),
			slog.Bool("tls_insecure_skip_verify", o.TLSInsecureSkipVerify))
	}
	return slog.GroupValue(attrs...)
}
