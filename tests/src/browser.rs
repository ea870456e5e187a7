//! A real browser for the console's tests: Debian's chromium, driven through chromedriver over
//! WebDriver (`fantoccini`). Each page can be checked with axe-core (from the npm registry,
//! `tests/oidc`) and photographed into `target/console-screens/` for review.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::workspace_root;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One chromedriver; each `Driver::window` is a fresh browser with its own cookies, as if a
/// different person sat down at a different terminal. Killed when dropped, with every browser
/// it started.
pub struct Driver {
    url: String,
    child: tokio::process::Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver leads its own process group and the browsers it starts join it: ending
        // the group ends them too, also when a test panicked before closing its windows (a
        // browser left behind keeps a core busy long after the test).
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The size of the screen the page is shown on.
#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// The common window terminal (1366×768).
    Terminal,
    /// A phone 375 px wide, emulated as a phone (touch, device pixel ratio 2).
    Phone,
}

impl Driver {
    pub async fn start() -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: `cargo xtask test` installs Debian's chromium and chromium-driver"
            );
        }
        // chromedriver takes a port, not a listener: take a free one and hand it over.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Driver { url, child };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not listen within 10 s");
    }

    /// A new browser window on `screen`, reaching the host at `base`.
    pub async fn window(&self, base: &str, screen: Screen) -> Page {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--lang=zh-CN", "--window-size=1366,768", "--disable-search-engine-choice-screen"],
        });
        if let Screen::Phone = screen {
            options["mobileEmulation"] = json!({ "deviceMetrics": { "width": 375, "height": 812, "pixelRatio": 2.0, "touch": true } });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a chromium session");
        Page {
            client,
            base: base.to_owned(),
        }
    }
}

/// One browser window on the host.
pub struct Page {
    pub client: Client,
    base: String,
}

impl Page {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    /// The path (and query) the window shows now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path = format!("{path}?{q}");
        }
        path
    }

    /// The visible text of the page (its source, if it has no body: a JSON answer, say).
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => self.client.source().await.unwrap_or_default(),
        }
    }

    /// How many elements `css` finds on the page.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |found| found.len())
    }

    /// Signs in from the console's start page through the real identity provider: the
    /// provider's login form (any password), its consent form, back to the console.
    pub async fn sign_in(&self, who: &str, login: &str) {
        self.goto("/console/").await;
        self.click_link(who).await;
        for _ in 0..6 {
            if self
                .client
                .current_url()
                .await
                .unwrap()
                .as_str()
                .starts_with(&self.base)
            {
                return;
            }
            if let Ok(field) = self.client.find(Locator::Css("input[name=login]")).await {
                field.send_keys(login).await.unwrap();
                self.client
                    .find(Locator::Css("input[name=password]"))
                    .await
                    .unwrap()
                    .send_keys("any")
                    .await
                    .unwrap();
            }
            let button = self.find(Locator::Css("button[type=submit]")).await;
            Page::press(button).await;
        }
        panic!(
            "{login} did not come back from the identity provider: {}",
            self.path().await
        );
    }

    /// The element `locator` finds; failing, the page it was not on, with its text.
    pub async fn find(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        match self.client.find(locator).await {
            Ok(element) => element,
            Err(e) => panic!(
                "{locator:?} is not on {}: {e}\n{}",
                self.path().await,
                self.text().await
            ),
        }
    }

    /// Follows the link with `text` and waits for the page it leads to.
    pub async fn click_link(&self, text: &str) {
        Page::press(self.find(Locator::LinkText(text)).await).await;
    }

    /// Clicks the element `css` names (nothing is expected to load).
    pub async fn click(&self, css: &str) {
        self.find(Locator::Css(css)).await.click().await.unwrap();
    }

    /// Clicks the element `css` names and waits for the page it leads to.
    pub async fn submit(&self, css: &str) {
        Page::press(self.find(Locator::Css(css)).await).await;
    }

    /// Clicks `element` and waits until its page is gone (the element goes stale).
    async fn press(element: fantoccini::elements::Element) {
        element.click().await.unwrap();
        Page::gone(&element).await;
    }

    async fn gone(element: &fantoccini::elements::Element) {
        for _ in 0..200 {
            if element.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page did not change within 10 s");
    }

    /// Clicks a button that asks for confirmation, and confirms.
    pub async fn click_confirmed(&self, css: &str) {
        let button = self.find(Locator::Css(css)).await;
        button.click().await.unwrap();
        self.client.accept_alert().await.unwrap();
        Page::gone(&button).await;
    }

    /// Types into the input named `name`, as a person would, key by key.
    pub async fn type_into(&self, name: &str, text: &str) {
        self.type_at(&format!("[name=\"{name}\"]"), text).await;
    }

    /// Types into the input `css` names (when two forms on a page share an input's name).
    pub async fn type_at(&self, css: &str, text: &str) {
        let input = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no input {css}: {e}"));
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Chooses `bytes`, saved as a real file named `file_name`, in the file input `name`.
    pub async fn attach(&self, name: &str, file_name: &str, bytes: &[u8]) {
        let dir = std::env::temp_dir().join(format!("lianban-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(file_name);
        std::fs::write(&path, bytes).unwrap();
        self.find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
    }

    /// `GET path` outside the window, with the window's session cookie: what a download link
    /// answers (status, content type, disposition, body), which a headless window only saves.
    pub async fn fetch(&self, path: &str) -> (reqwest::StatusCode, String, String, Vec<u8>) {
        let cookies = self.client.get_all_cookies().await.unwrap();
        let cookie: Vec<String> = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let r = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie.join("; "))
            .send()
            .await
            .unwrap();
        let header = |n: reqwest::header::HeaderName| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let kind = header(reqwest::header::CONTENT_TYPE);
        let disposition = header(reqwest::header::CONTENT_DISPOSITION);
        let status = r.status();
        (status, kind, disposition, r.bytes().await.unwrap().to_vec())
    }

    /// Sets many inputs at once (by name; a select takes its value, a checkbox "on"), the way
    /// a browser's autofill would; each input then hears `change`.
    pub async fn fill(&self, values: &Value) {
        self.client
            .execute(
                r#"const values = arguments[0];
                for (const [name, value] of Object.entries(values)) {
                  const el = document.querySelector(`[name="${name}"]`);
                  if (!el) throw new Error("no input " + name);
                  if (el.type === "checkbox") el.checked = value === "on"; else el.value = value;
                  el.dispatchEvent(new Event("change", { bubbles: true }));
                }"#,
                vec![values.clone()],
            )
            .await
            .unwrap();
    }

    /// The text of the element `css` names.
    pub async fn text_of(&self, css: &str) -> String {
        self.find(Locator::Css(css)).await.text().await.unwrap()
    }

    /// Runs axe-core on the page and fails on any serious or critical violation.
    pub async fn check_accessibility(&self, what: &str) {
        let axe = workspace_root().join("tests/oidc/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask test`)", axe.display()));
        self.client.execute(&source, vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document).then(r => done(r.violations
                  .filter(v => v.impact === "serious" || v.impact === "critical")
                  .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(" ")).slice(0, 5).join(", ")}`)))
                  .catch(e => done(["axe failed: " + e]));"#,
                vec![],
            )
            .await
            .unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(
            found.is_empty(),
            "{what}: accessibility violations:\n{}",
            found.join("\n")
        );
    }

    /// Saves a screenshot as `target/console-screens/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = workspace_root().join("target/console-screens");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        let file = dir.join(format!("{name}.png"));
        std::fs::write(&file, png).unwrap();
        file
    }

    /// How much wider the page is than its window (a page for phones must not scroll sideways).
    pub async fn overflow(&self) -> i64 {
        self.client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap_or(0)
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
