//! The tenant-screening form, dialogue by dialogue, each run three times: offline (rules and templates) and with
//! a model that reads texts through tool calls (scripted here as a real model would read them), and with one
//! that also invents values, frames its wording and stops at its cap.

use serde_json::json;
use smsagent_ai::OFFLINE_REPLY;
use smsagent_store::PgPool;

use crate::dialogue_support::{MODEL_GENERAL_REPLY, Mode, Step, burst, run, say};
use crate::helpers::BUSINESS;

const FIRST_QUESTION: &str = "What's your first name?";
const OFFER_PHONE: &str = "Is +1 555-123-4567 the best number to reach you? Reply YES, or send another number.";

/// Greeted, asked, and the names confirmed: the first steps of most dialogues.
fn names_confirmed() -> Vec<Step> {
    vec![
        say("Hi, I saw your listing").expect(FIRST_QUESTION),
        say("I'm Maria Garcia")
            .reads(json!({"first_name": "Maria", "last_name": "Garcia"}))
            .expect("Got it: Maria Garcia. Is that right?"),
        say("yes").reads(json!({"yes_or_no": "yes"})).expect(OFFER_PHONE),
    ]
}

/// Up to the income question.
fn up_to_income() -> Vec<Step> {
    let mut steps = names_confirmed();
    steps.extend([
        say("YES").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?"),
        say("123 Main St, Springfield, IL 62701")
            .reads(json!({"address": "123 Main St, Springfield, IL 62701"}))
            .expect("Got it: 123 Main St, Springfield, IL 62701. Is that right?"),
        say("correct").reads(json!({"yes_or_no": "yes"})).expect("What's your annual income?"),
    ]);
    steps
}

fn complete() -> Vec<Step> {
    let mut steps = up_to_income();
    steps.extend([
        say("85k").reads(json!({"annual_income": "85k"})).expect("Got it: $85,000 a year. Is that right?"),
        say("yes")
            .reads(json!({"yes_or_no": "yes"}))
            .expect("Thanks, Maria! We'll be in touch soon. Here's what I have: Maria Garcia"),
    ]);
    steps
}

fn with(mut steps: Vec<Step>, more: impl IntoIterator<Item = Step>) -> Vec<Step> {
    steps.extend(more);
    steps
}

macro_rules! dialogue {
    ($name:ident, $steps:expr) => {
        mod $name {
            use super::*;

            #[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
            async fn offline(pool: PgPool) {
                run(pool, Mode::Offline, &$steps).await;
            }

            #[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
            async fn with_a_model(pool: PgPool) {
                run(pool, Mode::Model, &$steps).await;
            }

            #[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
            async fn with_an_adversarial_model(pool: PgPool) {
                run(pool, Mode::Adversarial, &$steps).await;
            }
        }
    };
}

dialogue!(the_whole_form_one_answer_at_a_time, complete());

dialogue!(
    a_first_name_alone_then_the_last_name,
    [
        say("Hello").expect(FIRST_QUESTION),
        say("maria").reads(json!({"first_name": "maria"})).expect("Got it: Maria. Is that right?"),
        say("yep").reads(json!({"yes_or_no": "yes"})).expect("And your last name?"),
        say("garcia").reads(json!({"last_name": "garcia"})).expect("Got it: Garcia. Is that right?"),
        say("that's right").reads(json!({"yes_or_no": "yes"})).expect(OFFER_PHONE),
    ]
);

dialogue!(
    an_introduction_in_the_first_text_is_confirmed_straight_away,
    [say("Hi! I'm Maria Garcia, looking for a flat")
        .reads(json!({"first_name": "Maria", "last_name": "Garcia"}))
        .expect("Got it: Maria Garcia. Is that right?")]
);

dialogue!(
    a_full_name_answers_the_first_name_question,
    [
        say("hi").expect(FIRST_QUESTION),
        say("Maria Garcia")
            .reads(json!({"first_name": "Maria", "last_name": "Garcia"}))
            .expect("Got it: Maria Garcia. Is that right?"),
    ]
);

dialogue!(
    a_no_to_the_name_asks_again,
    [
        say("hi").expect(FIRST_QUESTION),
        say("Mario").reads(json!({"first_name": "Mario"})).expect("Got it: Mario. Is that right?"),
        say("no").reads(json!({"yes_or_no": "no"})).expect("Sorry about that. What's your first name?"),
        say("Maria").reads(json!({"first_name": "Maria"})).expect("Got it: Maria. Is that right?"),
    ]
);

dialogue!(
    a_correction_of_the_last_name_at_any_time,
    with(
        names_confirmed(),
        [
            say("actually my last name is Smith")
                .reads(json!({"last_name": "Smith"}))
                .expect("Updated your last name to Smith. Is that right?"),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect(OFFER_PHONE),
        ]
    )
);

dialogue!(
    no_its_90k_corrects_the_income,
    with(
        up_to_income(),
        [
            say("85k").reads(json!({"annual_income": "85k"})).expect("Got it: $85,000 a year. Is that right?"),
            say("no, it's 90k")
                .reads(json!({"yes_or_no": "no", "annual_income": "90k"}))
                .expect("Got it: $90,000 a year. Is that right?"),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("$90,000"),
        ]
    )
);

dialogue!(
    an_unreadable_income_is_asked_again,
    with(
        up_to_income(),
        [
            say("a fair amount")
                .reads(json!({"annual_income": "a fair amount"}))
                .expect("Sorry, I couldn't read that amount"),
            say("$85,000 a year")
                .reads(json!({"annual_income": "$85,000 a year"}))
                .expect("Got it: $85,000 a year. Is that right?"),
        ]
    )
);

dialogue!(
    a_monthly_income_is_made_yearly,
    with(
        up_to_income(),
        [say("I make $7,000 a month")
            .reads(json!({"annual_income": "$7,000 a month"}))
            .expect("Got it: $84,000 a year. Is that right?")]
    )
);

dialogue!(
    an_income_in_words,
    with(
        up_to_income(),
        [say("eighty-five thousand a year")
            .reads(json!({"annual_income": "85000"}))
            .expect("Got it: $85,000 a year. Is that right?")]
    )
);

dialogue!(
    another_number_instead_of_the_senders,
    with(
        names_confirmed(),
        [
            say("no")
                .reads(json!({"yes_or_no": "no"}))
                .expect("Sorry about that. What's the best phone number to reach you?"),
            say("(415) 555-2671")
                .reads(json!({"phone": "(415) 555-2671"}))
                .expect("Got it: +1 415-555-2671. Is that right?"),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?"),
        ]
    )
);

dialogue!(
    a_bad_phone_number_is_refused,
    with(
        names_confirmed(),
        [
            say("no").reads(json!({"yes_or_no": "no"})).expect("What's the best phone number to reach you?"),
            say("555-12").reads(json!({"phone": "555-12"})).expect("Sorry, that doesn't look like a phone number."),
            say("415 555 2671").reads(json!({"phone": "415 555 2671"})).expect("Got it: +1 415-555-2671"),
        ]
    )
);

dialogue!(
    an_address_without_a_number_is_asked_again,
    with(
        names_confirmed(),
        [
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?"),
            say("downtown").reads(json!({"address": "downtown"})).expect("Sorry, I need the full street address"),
            say("9 Elm Street, Austin TX")
                .reads(json!({"address": "9 Elm Street, Austin TX"}))
                .expect("Got it: 9 Elm Street, Austin TX."),
        ]
    )
);

dialogue!(
    neither_yes_nor_no_asks_for_one,
    [
        say("hi").expect(FIRST_QUESTION),
        say("Maria").reads(json!({"first_name": "Maria"})).expect("Is that right?"),
        say("hmm").reads(json!({})).expect("Sorry, I need a yes or a no. Got it: Maria. Is that right?"),
    ]
);

dialogue!(
    a_question_mid_form_is_acknowledged,
    [
        say("hi").expect(FIRST_QUESTION),
        say("what's the rent?")
            .reads(json!({}))
            .expect("someone from our team will follow up. What's your first name?"),
    ]
);

dialogue!(
    spanish_from_the_first_text,
    [
        say("Hola, me llamo María García")
            .reads(json!({"first_name": "María", "last_name": "García"}))
            .expect("Entendido: María García. ¿Es correcto?"),
        say("sí").reads(json!({"yes_or_no": "yes"})).expect("¿Es +1 555-123-4567 el mejor número para contactarle?"),
        say("si").reads(json!({"yes_or_no": "yes"})).expect("¿Cuál es su dirección actual?"),
        say("Calle Mayor 5, Madrid")
            .reads(json!({"address": "Calle Mayor 5, Madrid"}))
            .expect("Entendido: Calle Mayor 5, Madrid. ¿Es correcto?"),
        say("correcto").reads(json!({"yes_or_no": "yes"})).expect("¿Cuál es su ingreso anual?"),
        say("gano 85 mil al año")
            .reads(json!({"annual_income": "85 mil al año"}))
            .expect("Entendido: $85,000 al año. ¿Es correcto?"),
        say("sí").reads(json!({"yes_or_no": "yes"})).expect("¡Gracias, María!"),
    ]
);

dialogue!(
    a_spanish_correction,
    [
        say("Hola, me llamo María García")
            .reads(json!({"first_name": "María", "last_name": "García"}))
            .expect("¿Es correcto?"),
        say("sí").reads(json!({"yes_or_no": "yes"})).expect("el mejor número"),
        say("no, mi apellido es Pérez")
            .reads(json!({"last_name": "Pérez"}))
            .expect("Actualicé su apellido a Pérez. ¿Es correcto?"),
    ]
);

dialogue!(
    stop_mid_form_opts_out_and_nothing_follows,
    with(
        names_confirmed(),
        [
            say("STOP").expect("You're unsubscribed and will receive no further messages. Reply START to resubscribe."),
            say("what about the rent?").expect_nothing(),
            say("STOP").expect_nothing(),
        ]
    )
);

dialogue!(
    start_brings_the_form_back_where_it_was,
    with(
        names_confirmed(),
        [
            say("stop texting me").expect("You're unsubscribed"),
            say("START")
                .expect("You're resubscribed. Reply HELP for help, STOP to opt out. Msg & data rates may apply."),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?"),
        ]
    )
);

dialogue!(
    yes_while_opted_out_opts_back_in,
    with(names_confirmed(), [say("STOP").expect("You're unsubscribed"), say("yes").expect("You're resubscribed"),])
);

dialogue!(
    no_mas_mensajes_opts_out_in_spanish,
    [say("No más mensajes").expect("Se ha dado de baja y no recibirá más mensajes.")]
);

dialogue!(
    help_mid_form_then_the_form_goes_on,
    with(
        names_confirmed(),
        [
            say("HELP").expect("Default assistant: Reply here and our team will get back to you. Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out."),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?"),
        ]
    )
);

dialogue!(
    goodbye_ends_the_session_and_a_return_resumes_with_a_recap,
    with(
        names_confirmed(),
        [
            say("bye").expect("Thanks for chatting with us. Goodbye!"),
            say("hi again").reads(json!({})).expect("Welcome back! So far I have: Maria Garcia."),
        ]
    )
);

dialogue!(
    a_keyword_inside_a_sentence_is_just_text,
    [
        say("hi").expect(FIRST_QUESTION),
        say("send it to my friend").reads(json!({})).expect("Sorry, I didn't catch your first name."),
    ]
);

dialogue!(
    start_over_begins_again,
    with(
        names_confirmed(),
        [say("start over")
            .expect("What's your first name?")
            .offline("No problem, let's start over. What's your first name?")]
    )
);

dialogue!(
    a_burst_gets_one_reply_that_read_every_text,
    [burst(&["Hi there", "I'm Maria Garcia"])
        .reads(json!({"first_name": "Maria", "last_name": "Garcia"}))
        .expect("Got it: Maria Garcia. Is that right?")]
);

dialogue!(
    a_name_split_over_two_texts_is_one_name,
    [
        say("hi").expect(FIRST_QUESTION),
        burst(&["Maria", "Garcia"])
            .reads(json!({"first_name": "Maria", "last_name": "Garcia"}))
            .expect("Got it: Maria Garcia. Is that right?"),
    ]
);

dialogue!(
    yes_repeating_the_value_confirms_it,
    [
        say("hi").expect(FIRST_QUESTION),
        say("maria").reads(json!({"first_name": "maria"})).expect("Got it: Maria. Is that right?"),
        say("Yes, Maria").reads(json!({"first_name": "Maria", "yes_or_no": "yes"})).expect("And your last name?"),
    ]
);

dialogue!(
    small_talk_while_confirming_asks_for_a_yes,
    [
        say("hi").expect(FIRST_QUESTION),
        say("maria").reads(json!({"first_name": "maria"})).expect("Is that right?"),
        say("hmm").reads(json!({})).expect("Sorry, I need a yes or a no. Got it: Maria."),
    ]
);

dialogue!(stop_at_the_end_of_a_burst_wins, [burst(&["Maria", "STOP"]).expect("You're unsubscribed")]);

dialogue!(
    a_finished_form_is_not_asked_again,
    with(
        complete(),
        [say("when will I hear back?").reads(json!({})).expect(MODEL_GENERAL_REPLY).offline(OFFLINE_REPLY)]
    )
);

dialogue!(
    a_correction_after_completion_is_submitted_again,
    with(
        complete(),
        [
            say("my income is 90k")
                .reads(json!({"annual_income": "90k"}))
                .expect("Updated your annual income to $90,000 a year. Is that right?"),
            say("yes").reads(json!({"yes_or_no": "yes"})).expect("Your details are updated"),
        ]
    )
);

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_completed_form_is_stored_as_a_submission(pool: PgPool) {
    let app = run(pool, Mode::Offline, &complete()).await;
    let (contact, answers, delivery): (String, serde_json::Value, String) =
        sqlx::query_as("SELECT contact_number, answers, delivery_status FROM form_submission")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(contact, crate::helpers::CONTACT);
    assert_eq!(
        answers,
        json!({"first_name": "Maria", "last_name": "Garcia", "phone": "+15551234567",
               "address": "123 Main St, Springfield, IL 62701", "annual_income": 85000})
    );
    assert_eq!(delivery, "not_configured");
    let _ = BUSINESS;
}

dialogue!(
    this_one_is_fine_keeps_the_senders_number,
    with(
        names_confirmed(),
        [say("this one is fine").reads(json!({"yes_or_no": "yes"})).expect("What's your current address?")]
    )
);

dialogue!(
    a_no_and_its_correction_in_one_text,
    with(
        up_to_income()[..5].to_vec(),
        [say("no, it's 42 Oak St, Springfield")
            .reads(json!({"yes_or_no": "no", "address": "42 Oak St, Springfield"}))
            .expect("Got it: 42 Oak St, Springfield. Is that right?")]
    )
);

/// Asked for the income until the engine stops asking the same way.
fn stuck_on_the_income() -> Vec<Step> {
    with(
        up_to_income(),
        [
            say("a fair amount").reads(json!({})).expect("Sorry, I couldn't read that amount"),
            say("enough").reads(json!({})).expect("Please send just your annual income, for example: 85000 or 85k."),
            say("more than most").reads(json!({})).expect("Someone from our team will text you here to help."),
        ],
    )
}

dialogue!(a_question_never_goes_out_a_third_time_the_same_way, stuck_on_the_income());

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contact_stuck_on_a_question_is_handed_to_a_person(pool: PgPool) {
    let app = run(pool, Mode::Offline, &stuck_on_the_income()).await;
    let status: String = sqlx::query_scalar("SELECT status FROM conversation").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "paused", "the conversation waits for a person");
    let before = app.outbound().await.len();
    app.text(&crate::helpers::sid(), crate::helpers::CONTACT, "hello?").await;
    app.worker.drain().await.unwrap();
    assert_eq!(app.outbound().await.len(), before, "the assistant leaves it to the person");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_answer_taken_as_given_is_marked_unverified_in_the_submission(pool: PgPool) {
    let mut steps = up_to_income()[..4].to_vec();
    steps.extend([
        say("123 Main St, Springfield, IL 62701").expect("Got it: 123 Main St, Springfield, IL 62701. Is that right?"),
        say("hmm").expect("Sorry, I need a yes or a no."),
        say("hmm").expect("Please reply YES if 123 Main St, Springfield, IL 62701 is right, or NO to change it."),
        say("hmm").expect("I'll note 123 Main St, Springfield, IL 62701 for now; our team will check it with you."),
        say("85k").expect("Got it: $85,000 a year. Is that right?"),
        say("yes").expect("We'll be in touch soon."),
    ]);
    let app = run(pool, Mode::Offline, &steps).await;
    let unverified: Vec<String> =
        sqlx::query_scalar("SELECT unverified FROM form_submission").fetch_one(&app.pool).await.unwrap();
    assert_eq!(unverified, ["address"]);
    let assistant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM assistant").fetch_one(&app.pool).await.unwrap();
    let path = format!("/api/v1/assistants/{assistant}/submissions");
    let listed: serde_json::Value =
        app.api(reqwest::Method::GET, &path, crate::helpers::BOOTSTRAP_KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["submissions"][0]["unverified"], json!(["address"]), "{listed}");
}
