//! A submission client for tests: lettre (an independent SMTP implementation) over the server's implicit-TLS
//! submission listener, trusting the server's self-signed certificate, logged in with AUTH PLAIN.

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::TestServer;

/// One pooled, authenticated connection setup; messages are sent one at a time, each answered before the next.
pub struct Submission {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    runtime: tokio::runtime::Runtime,
}

impl TestServer {
    /// A lettre client for the `submissions` listener, logged in as `user`.
    pub fn submission(&self, user: &str, password: &str) -> Submission {
        let pem = std::fs::read(self.certificate()).expect("the server's certificate");
        let tls = TlsParameters::builder("localhost".to_owned())
            .add_root_certificate(Certificate::from_pem(&pem).expect("a PEM certificate"))
            .build_rustls()
            .expect("lettre TLS parameters");
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.addr("submissions").port())
            .tls(Tls::Wrapper(tls))
            .credentials(Credentials::new(user.to_owned(), password.to_owned()))
            .authentication(vec![Mechanism::Plain])
            .build();
        Submission { transport, runtime: tokio::runtime::Runtime::new().expect("a tokio runtime") }
    }
}

impl Submission {
    /// Sends `message`; panics with lettre's error if the server refuses it.
    pub fn send(&self, message: Message) {
        if let Err(error) = self.runtime.block_on(self.transport.send(message)) {
            panic!("submission refused: {error}");
        }
    }
}
